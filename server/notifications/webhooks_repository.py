"""Queries for webhooks: which hooks an event goes to, and the admin list."""

from __future__ import annotations

from sqlalchemy import or_, select
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
