"""Queries for webhooks: which hooks an event goes to, and the admin list."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.catalog import snapshot
from server.models import Department, Webhook


def hooks_for(session: Session, department_id: int | None, *, event_type: str | None = None) -> list[Webhook]:
    """The active hooks of the installation (no department) and of ``department_id``; with
    ``event_type``, only those that want it."""
    where = Webhook.department_id.is_(None)
    if department_id is not None:
        where = or_(where, Webhook.department_id == department_id)
    hooks = list(session.scalars(select(Webhook).where(Webhook.active, where).order_by(Webhook.id)))
    return [hook for hook in hooks if event_type is None or wants(hook, event_type)]


def hook_ids_for(session: Session, department_id: int | None, event_type: str) -> list[int]:
    """The ids of the hooks :func:`hooks_for` gives, from the catalogue snapshot (which holds
    the active hooks and is reloaded when one is added or removed: server/models/catalog_revision.py),
    so the request events that notify, a submission first, ask no query of their own."""
    return [hook_id for hook_id, hook_department, event_types in snapshot.load(session).webhooks
            if (hook_department is None or hook_department == department_id)
            and (not event_types or event_type in event_types)]


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
