"""Failed sign-ins, for the throttle (server/accounts/throttle.py). Kept in the database so
that every app worker counts the same failures; rows older than the window are deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, utcnow


class SignInFailure(Base):
    __tablename__ = "sign_in_failure"
    __table_args__ = (
        Index("ix_sign_in_failure_account_at", "account", "at"),
        Index("ix_sign_in_failure_address_at", "address", "at"),
        Index("ix_sign_in_failure_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # The username as typed, case-folded (known or not: the count must not tell which exist).
    account: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(64), comment="the client's IP address")
