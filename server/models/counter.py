from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class DailyCounter(Base):
    """The last tracking-number sequence issued per local day. Incremented with one atomic
    upsert, so concurrent submissions never share a number."""

    __tablename__ = "daily_counter"

    day: Mapped[str] = mapped_column(String(8), primary_key=True, comment="YYYYMMDD, local time")
    last: Mapped[int] = mapped_column(default=0)
