from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, utcnow


class AuditEntry(Base):
    """One administrative change: who, when, what, and the values before and after. Rows are
    only ever inserted (the database refuses updates and deletes)."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_entity", "entity", "entity_id", "id"),
        Index("ix_audit_entry_actor_id_id", "actor_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # None when the change came from the command line or an import run without a person.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    entity: Mapped[str] = mapped_column(String(40), comment="service, category, department, person, ...")
    entity_id: Mapped[int | None]
    entity_label: Mapped[str] = mapped_column(String(200), default="", comment="code or name, for reading")
    action: Mapped[str] = mapped_column(String(40), comment="create, update, retire, delete, import, ...")
    before: Mapped[dict | None]
    after: Mapped[dict | None]
    note: Mapped[str] = mapped_column(String(500), default="")
