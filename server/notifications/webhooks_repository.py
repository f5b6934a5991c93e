"""Queries for webhooks: which hooks an event goes to, and the admin list."""

from __future__ import annotations

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from server.models import Department, Webhook


def hooks_for(session: Session, department_id: int | None, *, event_type: str | None = None) -> list[Webhook]:
    """The active hooks of the installation (no department) and of ``department_id``; with
    ``event_type``, only those that want it."""
    where = Webhook.department_id.is_(None)
    if department_id is not None:
        where = or_(where, Webhook.department_id == department_id)
    hooks = list(session.scalars(select(Webhook).where(Webhook.active, where).order_by(Webhook.id)))
    return [hook for hook in hooks if event_type is None or wants(hook, event_type)]


_ACTIVE_FOR = (select(Webhook.id, Webhook.event_types)
               .where(Webhook.active, or_(Webhook.department_id.is_(None), Webhook.department_id == bindparam("department_id")))
               .order_by(Webhook.id))


def hook_ids_for(session: Session, department_id: int | None, event_type: str) -> list[int]:
    """The ids of the hooks :func:`hooks_for` gives, in one Core statement built once: every
    request event asks, and the outbox keeps only the id (no ORM objects loaded)."""
    rows = session.connection().execute(_ACTIVE_FOR, {"department_id": department_id})
    return [hook_id for hook_id, event_types in rows if not event_types or event_type in event_types]


def wants(hook: Webhook, event_type: str) -> bool:
    """Whether ``hook`` takes events of this type (no list: all of them)."""
    return not hook.event_types or event_type in hook.event_types


def all_hooks(session: Session) -> list[tuple[Webhook, Department | None]]:
    """Every hook with its department, installation-wide ones first."""
    rows = session.execute(
        select(Webhook, Department).outerjoin(Department, Department.id == Webhook.department_id)
        .order_by(Webhook.department_id.is_not(None), Department.code, Webhook.id)
    )
    return [(hook, department) for hook, department in rows.all()]
