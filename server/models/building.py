from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class Building(Base):
    """A building of the community; ``floors`` lists its floor labels bottom to top."""

    __tablename__ = "building"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[dict] = mapped_column(comment="{locale: name}")
    address: Mapped[str] = mapped_column(String(200), default="")
    floors: Mapped[list] = mapped_column(comment="floor labels, e.g. ['B1', '1', '2']")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
