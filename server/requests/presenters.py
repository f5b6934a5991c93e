"""Turns requests into what the API and the pages show, with a fixed number of queries per
page: services, departments and buildings are looked up from small per-page dictionaries,
people with one IN query."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server import policy, workflow
from server.catalog import snapshot
from server.enums import Action, RequestStatus
from server.i18n_text import localized
from server.models import (
    Person,
    RequestEvent,
    RequestRating,
    ServiceRequest,
    utcnow,
)
from server.requests import repository
from server.requests.flags import flag_for
from server.requests.schemas import (
    AnswerOut,
    EventOut,
    PersonRef,
    RatingOut,
    Ref,
    RequestOut,
    RequestSummary,
)


class Lookups:
    """Names for one page: the catalogue snapshot, and the people on the page in one query."""

    def __init__(self, session: Session, people_ids: set[int | None], known: tuple[Person, ...] = ()):
        catalog = snapshot.load(session)
        self.services = catalog.services
        self.departments = catalog.departments
        self.buildings = catalog.buildings
        self.people = {p.id: p for p in known}
        self.people.update(repository.people_by_id(session, set(people_ids) - set(self.people)))


def _person(p: Person | None) -> PersonRef | None:
    return PersonRef(username=p.username, name=p.display_name) if p is not None else None


def flag_of(request: ServiceRequest, now: datetime | None = None) -> str | None:
    flag = flag_for(
        RequestStatus(request.status),
        now or utcnow(),
        submitted_at=request.submitted_at,
        claim_due_at=request.claim_due_at,
        complete_due_at=request.complete_due_at,
    )
    return flag.value if flag else None


def summaries(session: Session, requests: list[ServiceRequest], locale: str, *,
              now: datetime | None = None) -> list[RequestSummary]:
    """The summaries of a list's rows. Built without validating each (``model_construct``):
    every value comes from the database through typed columns and the catalogue, and a work
    list of 50 rows spent a third of its loading in pydantic's checks; the services, places
    and people a list repeats are made once each (see :class:`_Names`). A work list's rows
    (``worklists.Listed``) carry their people's names: no query for those. ``now`` decides
    the flags (a page that keys its rows by their flag passes the time it keyed them at)."""
    named = [r for r in requests if hasattr(r, "requester_name")]
    unnamed = [r for r in requests if not hasattr(r, "requester_name")]
    lookups = Lookups(session, {r.assignee_id for r in unnamed} | {r.requester_id for r in unnamed})
    names = _Names(lookups, locale)
    for r in named:
        names.know(r.requester_id, r.requester_username, r.requester_name)
        names.know(r.assignee_id, r.assignee_username, r.assignee_name)
    now = now or utcnow()
    return [RequestSummary.model_construct(**_summary_fields(r, names, now)) for r in requests]


class _Names:
    """One page's Ref and PersonRef objects (a service, a place, a person), each made once
    however many rows show it, and shared by those rows."""

    def __init__(self, lookups: Lookups, locale: str):
        self.lookups, self.locale = lookups, locale
        self.made: dict[tuple[str, int | None], Ref | PersonRef | None] = {}

    def ref(self, kind: str, key: int | None) -> Ref | None:
        """The Ref of catalogue entry ``key`` of ``kind`` ("services", "departments", "buildings")."""
        if (kind, key) not in self.made:
            obj = getattr(self.lookups, kind).get(key)
            self.made[kind, key] = Ref.model_construct(code=obj.code, name=localized(obj.name, self.locale)) if obj is not None else None
        return self.made[kind, key]

    def know(self, key: int | None, username: str | None, name: str | None) -> None:
        """A person whose name came with the row (joined), so needs no look-up."""
        if key is not None and ("people", key) not in self.made:
            self.made["people", key] = PersonRef.model_construct(username=username, name=name)

    def person(self, key: int | None) -> PersonRef | None:
        if ("people", key) not in self.made:
            p = self.lookups.people.get(key)
            self.made["people", key] = PersonRef.model_construct(username=p.username, name=p.display_name) if p is not None else None
        return self.made["people", key]


def _summary_fields(r: ServiceRequest, names: _Names, now: datetime) -> dict:
    return dict(
        id=r.id,
        number=r.number,
        status=RequestStatus(r.status),
        version=r.version,
        service=names.ref("services", r.service_id),
        department=names.ref("departments", r.department_id),
        assignee=names.person(r.assignee_id),
        requester=names.person(r.requester_id),
        building=names.ref("buildings", r.building_id),
        floor=r.floor,
        room=r.room,
        submitted_at=r.submitted_at,
        claim_due_at=r.claim_due_at,
        complete_due_at=r.complete_due_at,
        flag=flag_of(r, now),
        urge_count=r.urge_count,
        last_urged_at=r.last_urged_at,
    )


def answer_display(answer: dict, locale: str) -> str:
    value = answer.get("value")
    if value is None:
        return ""
    choices = answer.get("choices") or {}
    if isinstance(value, list):
        return "、".join(localized(choices.get(v), locale) or str(v) for v in value)
    if answer.get("type") == "single_choice":
        return localized(choices.get(value), locale) or str(value)
    return str(value)


def available_actions(person: Person, request: ServiceRequest) -> list[Action]:
    parties = policy.parties_of(person, request)
    # What only the system takes (auto_close) is never offered to a person.
    return [a for a in workflow.available_actions(RequestStatus(request.status), parties) if a in workflow.PERSON_ACTIONS]


def detail(session: Session, person: Person, request: ServiceRequest, locale: str) -> RequestOut:
    return read_detail(session, person, request)(locale)


def read_detail(session: Session, person: Person, request: ServiceRequest) -> Callable[[str], RequestOut]:
    """What :func:`detail` reads, read in ``session`` now; returns what builds the answer in a
    locale from it, with no session. A write's door calls that after its unit of work: on
    SQLite, outside the process's write lock, which every submission queues for."""
    lookups = Lookups(session, {request.assignee_id, request.requester_id}, known=(person,))
    # Only a closed request can have been rated.
    rating = (
        session.scalar(select(RequestRating).where(RequestRating.request_id == request.id))
        if request.status == RequestStatus.closed
        else None
    )
    return lambda locale: _detail(person, request, lookups, rating, locale)


def _detail(person: Person, request: ServiceRequest, lookups: Lookups, rating: RequestRating | None,
            locale: str) -> RequestOut:
    names = _Names(lookups, locale)
    return RequestOut(
        **_summary_fields(request, names, utcnow()),
        description=request.description,
        contact_phone=request.contact_phone,
        cohandler_department=names.ref("departments", request.cohandler_department_id),
        answers=[
            AnswerOut(
                code=a["code"],
                label=localized(a.get("label"), locale),
                type=a.get("type", "text"),
                value=a.get("value"),
                display=answer_display(a, locale),
            )
            for a in request.answers or []
        ],
        dispatched_at=request.dispatched_at,
        claimed_at=request.claimed_at,
        completed_at=request.completed_at,
        closed_at=request.closed_at,
        extension_requested_days=request.extension_requested_days,
        rework_count=request.rework_count,
        return_count=request.return_count,
        transfer_count=request.transfer_count,
        rating=RatingOut(value=rating.value, comment=rating.comment, at=rating.created_at) if rating else None,
        actions=available_actions(person, request),
    )


def events(session: Session, person: Person, request: ServiceRequest) -> list[EventOut]:
    rows: list[RequestEvent] = repository.list_events(
        session, request, include_internal=policy.sees_internal_notes(person, request)
    )
    people = repository.people_by_id(session, {e.actor_id for e in rows})
    return [_event(e, people) for e in rows]


def event(session: Session, row: RequestEvent) -> EventOut:
    """One event, as :func:`events` lists it (the caller checked that its reader may see it)."""
    return _event(row, repository.people_by_id(session, {row.actor_id}))


def _event(e: RequestEvent, people: dict[int, Person]) -> EventOut:
    return EventOut(
        id=e.id,
        at=e.at,
        action=e.action,
        from_status=e.from_status,
        to_status=e.to_status,
        actor=_person(people.get(e.actor_id)),
        note=e.note,
        public=e.public,
        data=e.data or {},
    )
