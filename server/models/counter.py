from __future__ import annotations

from sqlalchemy import BigInteger, Sequence, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base

# PostgreSQL only (server.requests.numbering); SQLite has no sequences and skips it.
NUMBER_SEQUENCE = "request_number_seq"
Sequence(NUMBER_SEQUENCE, metadata=Base.metadata)


class DailyCounter(Base):
    """Per local day, what tracking numbers are counted from (server.requests.numbering):
    on SQLite the last number issued, incremented with one atomic upsert; on PostgreSQL the
    value of ``request_number_seq`` just before the day's first number."""

    __tablename__ = "daily_counter"

    day: Mapped[str] = mapped_column(String(8), primary_key=True, comment="YYYYMMDD, local time")
    last: Mapped[int] = mapped_column(default=0)
    sequence_base: Mapped[int | None] = mapped_column(
        BigInteger, comment="PostgreSQL: request_number_seq before the day's first number"
    )
