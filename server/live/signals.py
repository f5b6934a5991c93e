"""What a committed unit of work changed, as the live pages need to know it.

A :class:`Signal` names requests (each with the departments that hold it now or held it
before this change: its queue changed too) and people whose access may have changed (their
department, roles, active flag or a session). It carries ids only — never what changed — so
a stream can pass on nothing its viewer may not see: each viewer's page fetches its own
fragments again, through the usual permission checks. A request whose only change was for
staff (an internal note) is marked ``internal``: a viewer who cannot read internal history
(its requester) is not woken by it, for even the timing of a refresh tells them something.

:func:`collect` runs at every flush of a write session and notes the rows the ORM writes;
the few writes that bypass the ORM (a submission's INSERT, the sweep's UPDATE) call
:func:`note_requests` beside them. Nothing is sent from here: ``bus.install`` sends the
session's signal once, after its commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from server.models import AuthToken, Person, PersonRole, RequestEvent, ServiceRequest

INFO_KEY = "lianxin_live"


@dataclass
class Signal:
    requests: dict[int, set[int]] = field(default_factory=dict)  # request id → department ids
    people: set[int] = field(default_factory=set)
    internal: set[int] = field(default_factory=set)  # requests whose every change was for staff only

    def __bool__(self) -> bool:
        return bool(self.requests or self.people)

    def note(self, request_id: int, departments: Iterable[int], *, staff_only: bool = False) -> None:
        """A change to the request; ``staff_only`` when only those who read its internal
        history see it. One change everyone sees makes the whole request public."""
        new = request_id not in self.requests
        self.requests.setdefault(request_id, set()).update(departments)
        if not staff_only:
            self.internal.discard(request_id)
        elif new:
            self.internal.add(request_id)

    def touches_request(self, request_id: int, *, reads_internal: bool = True) -> bool:
        """Did the request change in a way that this viewer sees?"""
        return request_id in self.requests and (reads_internal or request_id not in self.internal)

    def touches_department(self, department_id: int) -> bool:
        return any(department_id in departments for departments in self.requests.values())

    def to_json(self) -> str:
        data = {"r": {str(k): sorted(v) for k, v in self.requests.items()}, "p": sorted(self.people)}
        if self.internal:
            data["i"] = sorted(self.internal)
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Signal:
        data = json.loads(text)
        return cls({int(k): set(v) for k, v in data.get("r", {}).items()}, set(data.get("p", [])),
                   set(data.get("i", [])))  # without "i" (an older process): all public

    def chunks(self, size: int = 100) -> list[Signal]:
        """Pieces of at most ``size`` requests (a NOTIFY payload holds under 8,000 bytes)."""
        items = list(self.requests.items())
        if len(items) <= size:
            return [self]
        parts = [Signal(dict(items[i:i + size])) for i in range(0, len(items), size)]
        for part in parts:
            part.internal = self.internal & part.requests.keys()
        parts[0].people = set(self.people)
        return parts


def pending(session: Session) -> Signal:
    return session.info.setdefault(INFO_KEY, Signal())


def take(session: Session) -> Signal:
    """The session's signal, removed (sent once)."""
    return session.info.pop(INFO_KEY, None) or Signal()


def note_requests(session: Session, requests: Iterable[ServiceRequest | tuple[int, int | None]]) -> None:
    """Note requests written without the ORM's unit of work: objects, or (id, department id)."""
    signal = pending(session)
    for item in requests:
        if isinstance(item, ServiceRequest):
            signal.note(item.id, _departments(item))
        else:
            request_id, department_id = item
            signal.note(request_id, {department_id} - {None})


def _departments(request: ServiceRequest) -> set[int]:
    """The departments that hold the request now, and those it left in this flush."""
    found = {request.department_id, request.cohandler_department_id}
    state = inspect(request)
    for name in ("department_id", "cohandler_department_id"):
        found.update(state.attrs[name].history.deleted or ())
    return {d for d in found if d is not None}


def collect(session: Session, _flush_context) -> None:
    """``after_flush``: note what the ORM just wrote (new, changed and deleted rows alike)."""
    signal = pending(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, ServiceRequest):
            signal.note(obj.id, _departments(obj))
        elif isinstance(obj, RequestEvent):
            # A history row alone (a message): the request is in this session, being shown.
            request = session.identity_map.get(identity_key(ServiceRequest, obj.request_id))
            signal.note(obj.request_id, _departments(request) if request else (), staff_only=not obj.public)
        elif isinstance(obj, Person):
            signal.people.add(obj.id)
        elif isinstance(obj, PersonRole | AuthToken):
            signal.people.add(obj.person_id)
