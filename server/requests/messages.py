"""The conversation on a request 沟通留言: requester and staff exchange messages beside the life
cycle ("please bring your ID card", "which floor exactly?").

A message is a row of the request's history (``RequestEvent`` with action ``message``, the
state before and after the same), never a transition: it leaves the request's state, version,
clocks and figures as they are (``server.workflow.NOT_TRANSITIONS``). So a requester's reply to
a suspended request does not resume it — the handler does, with ``resume`` — and a chat never
makes a colleague's open form stale. Messages are public by default; whoever reads the internal
history may post one for staff only (``public`` False), which every public door leaves out like
any internal event. Callers import ``server.requests.service``.

Who wrote on the requester's side (``policy.on_requester_side``: the requester, or their
enterprise's contact) is decided once, when the message is posted, and kept on the event
(``data["by_requester"]``), so the lists' SQL (:func:`from_requester_side`) reads the same
answer and a contact who later leaves the enterprise does not rewrite the history.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from server import policy
from server.enums import Action, RequestStatus
from server.errors import Conflict, Forbidden, InvalidInput, Msg
from server.models import IdempotencyKey, Person, RequestEvent, ServiceRequest, utcnow
from server.notifications import service as notifications
from server.requests import submission

MAX_MESSAGE = 2000


@dataclass
class Posted:
    event: RequestEvent
    replayed: bool  # True when the one-time key returned the message an earlier send posted


def post(
    session: Session,
    person: Person,
    request: ServiceRequest,
    text: str,
    *,
    internal: bool = False,
    with_files: bool = False,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Posted:
    """Post ``text`` on ``request`` as ``person``. ``with_files``: a photo comes with it (the
    caller records it against the event), so the text may be empty.

    With a one-time key (the page form's hidden key, the API's Idempotency-Key), the same key
    again posts nothing and returns the first message: a double click or a retried send
    writes one row. Raises Forbidden (403) for someone who may not see the request or post
    for staff only, InvalidInput (422) for an empty or over-long text."""
    now = now or utcnow()
    if not policy.may_message(person, request):
        raise Forbidden("You may not write on this request.")
    if internal and not policy.may_post_internal(person, request):
        raise Forbidden("Only the staff handling a request may write for staff only.")
    text = (text or "").strip()
    if len(text) > MAX_MESSAGE or "\x00" in text:
        raise InvalidInput("The message is too long.", {"text": Msg("At most {limit} characters.", limit=MAX_MESSAGE)})
    if not text and not with_files:
        raise InvalidInput("Please write a message.", {"text": "Please write a message."})
    if idempotency_key is not None:
        replay = _claim(session, person, request, idempotency_key, _fingerprint(request, text, internal), now)
        if replay is not None:
            return Posted(replay, replayed=True)
    status = RequestStatus(request.status)
    by_requester = policy.on_requester_side(person, request)
    event = RequestEvent(
        request_id=request.id, at=now, actor_id=person.id, action=Action.message, from_status=status,
        to_status=status, note=text, public=not internal, data={"by_requester": True} if by_requester else {},
    )
    session.add(event)
    session.flush()
    # The other side is told (server/notifications/service.py event_for): a requester's message
    # goes to the assignee (unassigned: the department's staff), staff's public one to the
    # requester, one for staff only to the department's staff only.
    notifications.request_event(session, request, Action.message, actor_id=person.id, now=now,
                                data={"internal": internal, "by_requester": by_requester})
    return Posted(event, replayed=False)


def from_requester_side() -> ColumnElement[bool]:
    """SQL twin of ``policy.on_requester_side`` for message events (correlated with their
    ``ServiceRequest``): as decided when each was posted; messages older than that record
    count their requester's own."""
    return or_(RequestEvent.actor_id == ServiceRequest.requester_id,
               RequestEvent.data["by_requester"].as_boolean() == true())


def _fingerprint(request: ServiceRequest, text: str, internal: bool) -> str:
    return hashlib.sha256(f"message\n{request.id}\n{int(internal)}\n{text}".encode()).hexdigest()


def _claim(session: Session, person: Person, request: ServiceRequest, key: str, fingerprint: str,
           now: datetime) -> RequestEvent | None:
    """Claim the one-time key (``submission.claim_key``, shared with submissions and the bulk
    urge); None when it is new, else the message its first use posted. That message is found
    by its author and its time: the key row and the event carry the same ``now``."""
    key = key.strip()
    if not key or len(key) > 200:
        raise InvalidInput("The Idempotency-Key must be 1 to 200 characters.", {"Idempotency-Key": "1 to 200 characters."})
    key_id = submission.claim_key(session, person, key, fingerprint, now)
    if key_id is not None:
        session.get_one(IdempotencyKey, key_id).request_id = request.id
        return None
    used = session.scalar(select(IdempotencyKey).where(IdempotencyKey.person_id == person.id, IdempotencyKey.key == key))
    if used is None or used.body_hash != fingerprint:
        raise InvalidInput("This Idempotency-Key was already used for a different request.",
                           {"Idempotency-Key": "Already used with another body."})
    event = session.scalar(
        select(RequestEvent).where(RequestEvent.request_id == used.request_id, RequestEvent.actor_id == person.id,
                                   RequestEvent.action == Action.message, RequestEvent.at == used.created_at)
    )
    if event is None:  # pragma: no cover - the key commits with its message
        raise Conflict("This Idempotency-Key is in use by a submission still in progress; try again.")
    return event
