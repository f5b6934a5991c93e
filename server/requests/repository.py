"""Queries on requests. Every list of requests goes through the policy's visibility filter:
the request finder (``server.requests.finder``) for the lists people search."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from server import policy
from server.errors import NotFound
from server.models import (
    Person,
    RequestEvent,
    ServiceRequest,
)


def get_visible(session: Session, person: Person, number: str) -> ServiceRequest:
    """The request, if this person may see it; otherwise 404 (never reveal that it exists)."""
    request = session.scalar(select(ServiceRequest).where(ServiceRequest.number == number))
    if request is None or not policy.can_see(person, request):
        raise NotFound("No request {number} that you may see.", {"number": number})
    return request


def list_events(session: Session, request: ServiceRequest, *, include_internal: bool) -> list[RequestEvent]:
    stmt = select(RequestEvent).where(RequestEvent.request_id == request.id).order_by(RequestEvent.id)
    if not include_internal:
        stmt = stmt.where(RequestEvent.public)
    return list(session.scalars(stmt))


def people_by_id(session: Session, ids: set[int | None]) -> dict[int, Person]:
    """People by id, for showing names, in one query: their roles are not loaded (and would
    load on access inside the session), so never use these for permission checks."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    stmt = select(Person).where(Person.id.in_(wanted)).options(lazyload(Person.role_rows))
    return {p.id: p for p in session.scalars(stmt)}
