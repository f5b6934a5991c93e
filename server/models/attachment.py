from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, utcnow


class Attachment(Base):
    """A file on a request: filed with it, or evidence added by an event (completion photos).
    The bytes live on disk under a generated name; the original name is only metadata."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("request_event.id", ondelete="SET NULL"))
    field_code: Mapped[str | None] = mapped_column(String(40))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
