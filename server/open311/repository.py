"""Every SELECT of the Open311 door: requests as GeoReport lists them, their latest public
notes, tokens, and the API keys."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from server.enums import Action, RequestStatus
from server.models import Open311Key, Open311Request, Person, RequestEvent, ServiceRequest

Row = tuple[ServiceRequest, Open311Request | None]


def _requests():
    return select(ServiceRequest, Open311Request).outerjoin(
        Open311Request, Open311Request.request_id == ServiceRequest.id
    )


def requests_by_number(session: Session, numbers: Collection[str]) -> list[Row]:
    """The requests with these tracking numbers (the unique index), newest first."""
    if not numbers:
        return []
    query = _requests().where(ServiceRequest.number.in_(list(numbers))).order_by(ServiceRequest.id.desc())
    return [tuple(row) for row in session.execute(query)]


def requests_in_window(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    service_ids: Collection[int] | None,
    statuses: Collection[RequestStatus] | None,
    limit: int,
) -> list[Row]:
    """Requests submitted in [start, end), optionally of some services and states, newest
    first, at most ``limit``: one range of the submission-time index."""
    query = _requests().where(ServiceRequest.submitted_at >= start, ServiceRequest.submitted_at < end)
    if service_ids is not None:
        query = query.where(ServiceRequest.service_id.in_(list(service_ids)))
    if statuses is not None:
        query = query.where(ServiceRequest.status.in_([str(s) for s in statuses]))
    query = query.order_by(ServiceRequest.submitted_at.desc(), ServiceRequest.id.desc()).limit(limit)
    return [tuple(row) for row in session.execute(query)]


def latest_public_notes(session: Session, request_ids: Collection[int]) -> dict[int, str]:
    """Each request's latest public note (the status_notes), in one query however many.
    Messages 沟通留言 are no status note: Open311's GETs are open to anyone, and a requester's
    message may hold what only the centre should read (an ID number, a phone)."""
    if not request_ids:
        return {}
    latest = (
        select(func.max(RequestEvent.id))
        .where(RequestEvent.request_id.in_(list(request_ids)), RequestEvent.public.is_(True), RequestEvent.note != "",
               RequestEvent.action != Action.message)
        .group_by(RequestEvent.request_id)
    )
    rows = session.execute(select(RequestEvent.request_id, RequestEvent.note).where(RequestEvent.id.in_(latest)))
    return {request_id: note for request_id, note in rows}


def number_for_token(session: Session, token: str) -> str | None:
    """Lianxin files at once, so a request's token is its tracking number: the number, when
    it names a request filed through Open311."""
    return session.scalar(
        select(ServiceRequest.number).join(Open311Request, Open311Request.request_id == ServiceRequest.id)
        .where(ServiceRequest.number == token)
    )


def key_by_hash(session: Session, key_hash: str) -> Open311Key | None:
    return session.scalar(select(Open311Key).where(Open311Key.key_hash == key_hash))


def keys_by_prefix(session: Session, prefix: str) -> list[Open311Key]:
    return list(session.scalars(select(Open311Key).where(Open311Key.prefix == prefix)))


def keys_with_people(session: Session) -> list[tuple[Open311Key, Person, Person | None]]:
    """Every key with the account it files as and who issued it, newest first."""
    creator = aliased(Person)
    query = (
        select(Open311Key, Person, creator)
        .join(Person, Person.id == Open311Key.person_id)
        .outerjoin(creator, creator.id == Open311Key.created_by_id)
        .order_by(Open311Key.id.desc())
    )
    return [tuple(row) for row in session.execute(query)]


def report_of(session: Session, request_id: int) -> Open311Request | None:
    """What a request filed through Open311 brought (reporter, media link), or None."""
    return session.scalar(select(Open311Request).where(Open311Request.request_id == request_id))
