"""The audit trail of administrative changes. Every admin service calls :func:`record` in
the same transaction as the change it describes, so the trail can never miss or invent one."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from server.models import AuditEntry, Person, utcnow


def snapshot(obj: Any, *, exclude: tuple[str, ...] = ("password_hash",)) -> dict[str, Any]:
    """The column values of an ORM object as JSON-friendly data (secrets left out)."""
    mapper = inspect(obj).mapper
    return {
        column.key: _plain(getattr(obj, column.key))
        for column in mapper.column_attrs
        if column.key not in exclude
    }


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, tuple[Any, Any]]:
    """Only the fields that differ: {field: (before, after)}."""
    before, after = before or {}, after or {}
    return {k: (before.get(k), after.get(k)) for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


def record(
    session: Session,
    actor: Person | None,
    *,
    entity: str,
    action: str,
    entity_id: int | None = None,
    label: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEntry | None:
    """Append an audit entry; an update that changed nothing records nothing."""
    if action == "update" and before is not None and after is not None and not changes(before, after):
        return None
    entry = AuditEntry(
        at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        entity=entity,
        entity_id=entity_id,
        entity_label=label[:200],
        action=action,
        before=before,
        after=after,
        note=note[:500],
    )
    session.add(entry)
    return entry


def change(
    session: Session,
    actor: Person | None,
    row: Any,
    values: dict[str, Any],
    *,
    entity: str,
    label: str,
    action: str = "update",
    note: str = "",
) -> Any:
    """Set ``values`` on ``row`` and record the change with before and after, in one step, so
    every admin service changes a row the same way."""
    before = snapshot(row)
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
    session.flush()
    record(session, actor, entity=entity, action=action, entity_id=row.id, label=label,
           before=before, after=snapshot(row), note=note)
    return row


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value
