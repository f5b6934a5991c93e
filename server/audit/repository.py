"""Reading the audit trail: newest first, filtered, a page at a time by keyset (``before`` an
entry id), so a deep page costs what the first does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import AuditEntry, Person


@dataclass(frozen=True)
class AuditFilters:
    entity: str | None = None
    actor_username: str | None = None
    since: datetime | None = None  # inclusive, UTC
    until: datetime | None = None  # exclusive, UTC


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    actors: dict[int, Person]
    next_before: int | None  # the cursor of the following page, None on the last


def list_entries(session: Session, filters: AuditFilters, *, before: int | None = None, limit: int = 50) -> AuditPage:
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit + 1)
    if filters.entity:
        stmt = stmt.where(AuditEntry.entity == filters.entity)
    if filters.actor_username:
        actor_id = session.scalar(select(Person.id).where(Person.username == filters.actor_username))
        if actor_id is None:
            return AuditPage([], {}, None)
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if filters.since is not None:
        stmt = stmt.where(AuditEntry.at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(AuditEntry.at < filters.until)
    if before is not None:
        stmt = stmt.where(AuditEntry.id < before)
    entries = list(session.scalars(stmt))
    more = len(entries) > limit
    entries = entries[:limit]
    ids = {e.actor_id for e in entries if e.actor_id is not None}
    actors = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
    return AuditPage(entries, actors, entries[-1].id if more else None)


def entities(session: Session) -> list[str]:
    """The kinds of thing the trail has entries for, for the filter."""
    return sorted(session.scalars(select(AuditEntry.entity).distinct()))
