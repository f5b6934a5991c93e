from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, utcnow


class AuthToken(Base):
    """A bearer token or a browser session. Only the SHA-256 of the secret is stored, so a
    leaked database does not leak working credentials; revoking sets ``revoked_at``."""

    __tablename__ = "auth_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10), comment="api | session")
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # Per-session CSRF secret for browser sessions.
    csrf_token: Mapped[str | None] = mapped_column(String(64))
