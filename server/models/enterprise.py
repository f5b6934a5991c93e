from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, utcnow


class Enterprise(Base):
    """A company in the buildings."""

    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # 统一社会信用代码: 18 characters with a check digit.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"))
    floor: Mapped[str] = mapped_column(String(20), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
