"""What each live page follows, and whether its viewer may (still) follow it.

A live page names its topic: ``desk`` (its viewer's department queue and tasks), ``board``
(the dispatch board), ``overdue`` (the supervision overdue list: all of it, or a lead's
department) or ``request:<number>`` (one request's page). :func:`interest` turns it into an
:class:`Interest` for the person asking — or refuses it, with the same rule as the page —
and :func:`still_allowed` checks it again, with the person as the database has them now,
before every event the stream sends: a person moved out of the department, stripped of a
role, deactivated or signed out gets nothing more.

:meth:`Interest.concerns` decides from the signal alone, without the database, whether an
event may be due at all, so a stream costs no query while nothing it follows changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from server import policy
from server.accounts import service as account_service
from server.enums import Role
from server.errors import Forbidden, InvalidInput, NotFound
from server.live.signals import Signal
from server.metrics.service import ScopeKind, scope_for
from server.models import Person, ServiceRequest

MAX_TOPIC = 40


@dataclass(frozen=True)
class Interest:
    topic: str  # as the page named it; the stream's events carry it back
    kind: str  # "request", "department" or "all"
    request_id: int | None = None
    department_id: int | None = None
    reads_internal: bool = True  # a request page's viewer sees its internal history (staff)

    def concerns(self, signal: Signal) -> bool:
        if self.kind == "request":
            return signal.touches_request(self.request_id, reads_internal=self.reads_internal)
        if self.kind == "department":
            return signal.touches_department(self.department_id)
        return bool(signal.requests)


def interest(session: Session, person: Person, topic: str) -> Interest:
    """What ``topic`` follows for ``person``; Forbidden, NotFound or InvalidInput as the page
    itself would answer."""
    if topic == "desk":
        if not person.has_role(Role.staff, Role.lead) or person.department_id is None:
            raise Forbidden("You may not open this page.")
        return Interest(topic, "department", department_id=person.department_id)
    if topic == "board":
        if not person.has_role(Role.dispatcher):
            raise Forbidden("You may not open this page.")
        return Interest(topic, "all")
    if topic == "overdue":
        scope = scope_for(person)
        if scope.kind == ScopeKind.forbidden:
            raise Forbidden("You may not open this page.")
        if scope.kind == ScopeKind.department:
            return Interest(topic, "department", department_id=scope.department_id)
        return Interest(topic, "all")
    if topic.startswith("request:") and len(topic) <= MAX_TOPIC:
        number = topic.removeprefix("request:")
        request = session.scalar(select(ServiceRequest).where(ServiceRequest.number == number))
        if request is None or not policy.can_see(person, request):
            raise NotFound("No request {number} that you may see.", {"number": number})
        return Interest(topic, "request", request_id=request.id,
                        reads_internal=policy.sees_internal_notes(person, request))
    raise InvalidInput("Unknown live topic.", {"topic": "desk, board, overdue or request:<number>."})


def _allows(session: Session, person: Person, wanted: Interest) -> bool:
    if wanted.kind == "request":
        request = session.get(ServiceRequest, wanted.request_id)
        # Reading its internal history no more (or now): the page reloads to follow it anew.
        return (request is not None and policy.can_see(person, request)
                and policy.sees_internal_notes(person, request) == wanted.reads_internal)
    try:
        now = interest(session, person, wanted.topic)
    except (Forbidden, NotFound, InvalidInput):
        return False
    return now == wanted  # a lead moved to another department follows another queue


def still_allowed(session: Session, session_secret: str, wanted: Interest) -> bool:
    """Is the browser session still signed in, and may its person follow ``wanted`` now?"""
    found = account_service.resolve_token(session, session_secret, kind="session")
    return found is not None and _allows(session, found[0], wanted)
