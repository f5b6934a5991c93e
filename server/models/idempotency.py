from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, utcnow


class IdempotencyKey(Base):
    """Remembers a submission by (person, key) so a retried or double-clicked form files one
    request. ``body_hash`` tells a true retry from a different body under the same key."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("person_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    body_hash: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("service_request.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
