"""Reading the audit trail: newest first, filtered, a page at a time by keyset (``before`` an
entry id), so a deep page costs what the first does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import AuditEntry, Person, ServiceField


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


# The audited kinds of object the catalogue snapshot does not hold, by their model.
_LOOKED_UP = {"person": Person, "service_field": ServiceField}


def still_there(session: Session, entries: list[AuditEntry]) -> set[tuple[str, int]]:
    """Which of the people and service fields these entries name still exist (one query per
    kind on the page); the catalogue's own objects are checked against its snapshot."""
    found: set[tuple[str, int]] = set()
    for entity, model in _LOOKED_UP.items():
        ids = {e.entity_id for e in entries if e.entity == entity and e.entity_id is not None}
        if ids:
            found |= {(entity, i) for i in session.scalars(select(model.id).where(model.id.in_(ids)))}
    return found


def people_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Person.id, Person.display_name).where(Person.id.in_(ids)))
    return {person_id: name for person_id, name in rows}
