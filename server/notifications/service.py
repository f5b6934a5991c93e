"""Writing notifications: :func:`emit` turns one event into in-app notifications and outbox
messages (e-mail, webhooks) in the caller's transaction — it flushes, never commits, so a
change rolled back sends nothing and a committed one is always sent. Also marking read and
each person's choices of what reaches them.

Request events are hooked in one place, :func:`request_event`, which both writers of a
request's history (``requests.actions`` and ``requests.submission``) call beside the
``RequestEvent`` row; the sweep's flag changes call :func:`emit` for due soon and overdue."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.catalog import snapshot
from server.config import get_settings
from server.enums import Action, AssignmentMode, Rating
from server.errors import NotFound
from server.models import (
    Department,
    Notification,
    NotificationPreference,
    OutboxMessage,
    Person,
    ServiceRequest,
    utcnow,
)
from server.notifications import recipients as table
from server.notifications import wakeup
from server.notifications.webhooks_repository import hook_ids_for

CHANNEL_IN_APP = "in_app"
CHANNEL_EMAIL = "email"
CHANNELS = (CHANNEL_IN_APP, CHANNEL_EMAIL)

_NOTIFICATION = insert(Notification.__table__)
_OUTBOX = insert(OutboxMessage.__table__)
_NOTIFY = text("NOTIFY lianxin_outbox")


def default_enabled(channel: str, event_type: str) -> bool:
    return channel == CHANNEL_IN_APP or table.EVENTS[event_type].email


# Built once, values bound; a Core statement (every notification asks).
_PREFERENCES = (
    select(NotificationPreference.person_id, NotificationPreference.channel, NotificationPreference.enabled)
    .where(NotificationPreference.person_id.in_(bindparam("person_ids", expanding=True)),
           NotificationPreference.event_type == bindparam("event_type"))
)


def preferences(session: Session, person_ids, event_type: str) -> dict[tuple[int, str], bool]:
    """(person id, channel) → enabled, for the people who chose otherwise than the default."""
    if not person_ids:
        return {}
    rows = session.connection().execute(_PREFERENCES, {"person_ids": list(person_ids), "event_type": event_type})
    return {(person_id, channel): enabled for person_id, channel, enabled in rows}


def emit(
    session: Session,
    event_type: str,
    *,
    ctx: dict[str, Any],
    params: dict[str, Any],
    actor_id: int | None = None,
    request: ServiceRequest | None = None,
    link: str = "",
    now: datetime | None = None,
) -> int:
    """Notify everyone who receives ``event_type`` (``recipients.EVENTS``) but the one who
    acted; returns how many people were notified. ``ctx`` holds the ids the audiences are
    found by (kept with each outbox message to check them again when sending); ``params``
    the values the event's text is written with."""
    now = now or utcnow()
    row = table.EVENTS[event_type]
    if request is not None:
        ctx = {"request_id": request.id, **ctx}
    found, chosen = table.recipients_with_choices(session, event_type, ctx, preferences)
    found.pop(actor_id, None)
    settings = get_settings()

    def wants(person_id: int, channel: str) -> bool:
        return chosen.get((person_id, channel), default_enabled(channel, event_type))

    request_id = request.id if request is not None else None
    in_app = [{"person_id": pid, "event_type": event_type, "request_id": request_id, "link": link, "params": params,
               "created_at": now, "read_at": None} for pid in found if wants(pid, CHANNEL_IN_APP)]
    outbox: list[dict] = []
    if settings.smtp_host:
        emailed = [pid for pid in found if wants(pid, CHANNEL_EMAIL)]
        with_address = set(session.scalars(select(Person.id).where(Person.id.in_(emailed), Person.email != ""))) \
            if emailed else set()
        outbox += [_message("email", event_type, now, person_id=pid,
                            audience={"audience": found[pid], **ctx},
                            payload={"params": params, "link": link, "request_id": request_id})
                   for pid in emailed if pid in with_address]
    if row.about_request and request is not None:
        hook_ids = hook_ids_for(session, request.department_id, event_type)
        fields = request_fields(session, request) if hook_ids else {}
        outbox += [_message("webhook", event_type, now, webhook_id=hook_id, audience={},
                            payload={"params": params, "request": fields}) for hook_id in hook_ids]
    # Core inserts on the session's connection: the ORM's execution layer adds nothing here.
    if in_app:
        session.connection().execute(_NOTIFICATION, in_app)
    if outbox:
        session.connection().execute(_OUTBOX, outbox)
        session.info[wakeup.OUTBOX_WRITTEN] = True  # wakes this process's worker after commit
        if session.get_bind().dialect.name == "postgresql":
            # Delivered at commit, to workers in other processes (server.notifications.wakeup).
            session.execute(_NOTIFY)
    return len(found)


def _message(channel: str, event_type: str, now: datetime, *, person_id: int | None = None,
             webhook_id: int | None = None, audience: dict, payload: dict) -> dict:
    return {"message_id": str(uuid.uuid4()), "channel": channel, "event_type": event_type, "person_id": person_id,
            "webhook_id": webhook_id, "audience": audience, "payload": payload, "status": "queued", "attempts": 0,
            # Due at once, whatever time the event is dated (a sweep may date it ahead).
            "next_attempt_at": min(now, utcnow()), "last_answer": "", "created_at": now, "sent_at": None}


def request_fields(session: Session, request: ServiceRequest) -> dict[str, Any]:
    """The request's public fields as a webhook's payload keeps them (webhooks.public_fields
    reads these): codes with their names in every language, the due time."""
    catalog = snapshot.load(session)
    service = catalog.services.get(request.service_id)
    department = catalog.departments.get(request.department_id) if request.department_id else None
    return {
        "number": request.number,
        "status": str(request.status),
        "service": service.code if service else None,
        "service_name": service.name if service else None,
        "department": department.code if department else None,
        "department_name": department.name if department else None,
        "complete_due_at": request.complete_due_at.isoformat() if request.complete_due_at else None,
    }


def request_params(session: Session, request: ServiceRequest) -> dict[str, Any]:
    service = snapshot.load(session).services.get(request.service_id)
    return {"number": request.number, "service": service.name if service else {}}


# --- the request events: one hook -----------------------------------------------------------------
_BY_ACTION = {
    Action.assign: "assigned",
    Action.return_: "returned",
    Action.transfer: "transferred",
    Action.claim: "claimed",
    Action.complete: "completed",
    Action.reject: "rejected",
    Action.suspend: "suspended",
    Action.urge: "urged",
    Action.rework: "rework",
}


def event_for(action: Action, data: dict, department: Department | None) -> str | None:
    """The notification a request's history event makes, if any."""
    if action == Action.dispatch:
        # Only an open queue waits for someone to take it; the other modes assign at once.
        open_queue = department is not None and department.assignment_mode == AssignmentMode.open_queue
        return "new_task" if open_queue else None
    if action == Action.rate:
        return "rated_unsatisfied" if data.get("rating") == Rating.unsatisfied else None
    if action == Action.submit and data.get("visit"):
        return "request_filed_from_visit"
    if action == Action.message:
        # The other side: the requester's words to whoever handles it; staff's to the
        # requester; a note for staff only to the department, never the requester.
        if data.get("internal"):
            return "message_internal"
        return "message_posted" if data.get("by_requester") else "message_for_requester"
    return _BY_ACTION.get(action)


def request_event(session: Session, request: ServiceRequest, action: Action, *, actor_id: int | None,
                  data: dict | None = None, now: datetime | None = None) -> None:
    """Called beside every ``RequestEvent`` written: notify whoever the table says."""
    data = data or {}
    department = None
    if action == Action.dispatch and request.department_id:
        # The catalogue's cached copy (the routing mode is in it): no query of its own.
        department = snapshot.load(session).departments.get(request.department_id)
    event_type = event_for(action, data, department)
    if event_type is None:
        return
    emit(session, event_type, ctx={"department_id": request.department_id}, params=request_params(session, request),
         actor_id=actor_id, request=request, link=f"/requests/{request.number}", now=now)


# --- reading and preferences ------------------------------------------------------------------------
def mark_read(session: Session, person: Person, notification_id: int, now: datetime | None = None) -> bool:
    """Mark one of the person's notifications read; False when it is not theirs."""
    result = session.execute(
        update(Notification).where(Notification.id == notification_id, Notification.person_id == person.id)
        .where(Notification.read_at.is_(None)).values(read_at=now or utcnow())
    )
    if result.rowcount:
        return True
    return session.scalar(select(Notification.id).where(Notification.id == notification_id,
                                                        Notification.person_id == person.id)) is not None


def mark_all_read(session: Session, person: Person, now: datetime | None = None) -> int:
    return session.execute(
        update(Notification).where(Notification.person_id == person.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
    ).rowcount


RETENTION_BATCH = 1000


def forget_read(session: Session, before: datetime, *, limit: int = RETENTION_BATCH) -> int:
    """Delete up to ``limit`` notifications read before ``before`` (the oldest readings first,
    on their index); unread ones are kept however old. Returns how many went: the sweep calls
    it again, in a new short transaction, until fewer than ``limit`` did."""
    ids = select(Notification.id).where(Notification.read_at.is_not(None), Notification.read_at < before)
    ids = ids.order_by(Notification.read_at).limit(limit)
    found = list(session.scalars(ids))
    if not found:
        return 0
    session.execute(delete(Notification).where(Notification.id.in_(found)))
    return len(found)


def choices(session: Session, person: Person) -> dict[tuple[str, str], bool]:
    """(channel, event type) → enabled for every event and channel, defaults filled in."""
    rows = session.execute(
        select(NotificationPreference.channel, NotificationPreference.event_type, NotificationPreference.enabled)
        .where(NotificationPreference.person_id == person.id)
    )
    chosen = {(channel, event_type): enabled for channel, event_type, enabled in rows}
    return {(channel, event_type): chosen.get((channel, event_type), default_enabled(channel, event_type))
            for event_type in table.EVENT_TYPES for channel in CHANNELS}


def set_choices(session: Session, person: Person, enabled: set[tuple[str, str]]) -> None:
    """Keep ``enabled`` ((channel, event type) pairs) on and the rest off: a row only where the
    person differs from the default, so that a changed default reaches everyone else."""
    session.execute(delete(NotificationPreference).where(NotificationPreference.person_id == person.id))
    rows = [{"person_id": person.id, "channel": channel, "event_type": event_type, "enabled": on}
            for event_type in table.EVENT_TYPES for channel in CHANNELS
            if (on := (channel, event_type) in enabled) != default_enabled(channel, event_type)]
    if rows:
        session.execute(insert(NotificationPreference.__table__), rows)
    session.flush()


# --- the outbox, for the admin ------------------------------------------------------------------------
def resend(session: Session, actor: Person | None, message_id: int, now: datetime | None = None) -> OutboxMessage:
    """Queue a parked (or dropped) message again, now, with a fresh count of attempts;
    audited. Its id stays, so a receiver that had it after all drops the repeat."""
    message = session.get(OutboxMessage, message_id)
    if message is None or message.status not in ("parked", "dropped"):
        raise NotFound("There is no such parked message.")
    before = {"status": message.status, "attempts": message.attempts}
    message.status, message.attempts, message.next_attempt_at = "queued", 0, now or utcnow()
    session.flush()
    audit.record(session, actor, entity="outbox_message", action="resend", entity_id=message.id,
                 label=f"{message.channel} {message.event_type} {message.message_id}",
                 before=before, after={"status": "queued", "attempts": 0})
    session.info[wakeup.OUTBOX_WRITTEN] = True
    return message
