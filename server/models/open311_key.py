"""Open311 API keys and what a request filed through Open311 brought with it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, utcnow


class Open311Key(Base):
    """An ``api_key`` for POST requests, bound to the account it files as (whose permissions
    apply). Only the SHA-256 of the key is stored; ``prefix`` is its first characters, shown
    in lists so that an admin can tell keys apart. Revoking sets ``revoked_at``."""

    __tablename__ = "open311_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    label: Mapped[str] = mapped_column(String(100), default="", comment="what the key is for, e.g. the kiosk app")
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # None when issued from the command line.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class Open311Request(Base):
    """What a request filed through Open311 carries beyond Lianxin's own columns: the key it
    came with, the reporter's name and e-mail (staff only: no GET returns them), a
    coordinate and a media link (a link, never fetched). Its presence also makes the
    request's id a token for GET tokens/{token}."""

    __tablename__ = "open311_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id", ondelete="CASCADE"), unique=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("open311_key.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    long: Mapped[float | None] = mapped_column(Float)
    address_string: Mapped[str] = mapped_column(String(300), default="")
    media_url: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
