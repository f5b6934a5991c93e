from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.enums import WebhookFormat
from server.models.base import Base, utcnow


class Webhook(Base):
    """An outward address that receives notifications: for one department's events, or for
    the whole installation's (``department_id`` empty)."""

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    format: Mapped[WebhookFormat] = mapped_column(String(20))
    # A department's robots go with it (its deletion is refused while requests refer to it).
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"), index=True)
    # Signs what is sent (generic: our HMAC header; DingTalk and Feishu: their sign); empty
    # for a robot without signing. Kept in clear because signing needs it; pages mask it.
    secret: Mapped[str] = mapped_column(String(200), default="")
    # The event types it wants (e.g. ["request.dispatched"]); None: every event.
    event_types: Mapped[list | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None when added from the command line.
    created_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
