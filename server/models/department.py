from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from server.enums import AssignmentMode, DepartmentKind
from server.models.base import Base


class Department(Base):
    """A government office, mass or social organisation, or the centre itself."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[dict] = mapped_column(comment="{locale: name}")
    kind: Mapped[DepartmentKind] = mapped_column(String(30))
    assignment_mode: Mapped[AssignmentMode] = mapped_column(String(20), default=AssignmentMode.open_queue)
    # Office hours if not the installation's default, e.g. "08:30-12:00,13:30-17:30".
    workday_periods: Mapped[str | None] = mapped_column(String(100))
    # Round-robin memory: the id of the person who got the last task (a plain number, not a
    # foreign key, so departments and people do not refer to each other in a cycle).
    last_assignee_id: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
