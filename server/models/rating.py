from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.enums import Rating as RatingValue
from server.models.base import Base, utcnow


class RequestRating(Base):
    """The requester's one rating of a request (评单)."""

    __tablename__ = "request_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id", ondelete="CASCADE"), unique=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    value: Mapped[RatingValue] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
