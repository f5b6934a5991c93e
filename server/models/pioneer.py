"""The records behind the pioneer index 先锋指数 (server/pioneer/index.py holds the formula):
volunteer hours and contribution points the centre records for a party member, and
attendance the centre records by hand (an activity's name, kind and date, who came, and who
spoke), which counts the same way as the programme's own check-ins. Records are facts, kept
as entered: a mistake is withdrawn (deleted, in the audit trail) and recorded again."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, utcnow


class VolunteerHours(Base):
    __tablename__ = "volunteer_hours"
    __table_args__ = (
        CheckConstraint("tenths > 0 AND tenths <= 240", name="tenths_range"),
        Index("ix_volunteer_hours_day_person", "day", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    day: Mapped[date]
    # Tenths of an hour (2.5 h = 25): exact on both databases, like the metrics' durations.
    tenths: Mapped[int] = mapped_column(comment="hours × 10, one day at most")
    what: Mapped[str] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContributionPoints(Base):
    """Points the centre awards (positive) or deducts (negative), always with a reason."""

    __tablename__ = "contribution_points"
    __table_args__ = (
        CheckConstraint("points <> 0 AND points BETWEEN -100 AND 100", name="points_range"),
        Index("ix_contribution_points_day_person", "day", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    day: Mapped[date]
    points: Mapped[int]
    reason: Mapped[str] = mapped_column(String(300))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class AttendanceRecord(Base):
    """An activity recorded by hand: what it was, when, who spoke (a party member whose
    lecture counts for them, with the audience's average speaker rating) and who came."""

    __tablename__ = "attendance_record"
    __table_args__ = (
        CheckConstraint("speaker_rating_tenths IS NULL OR speaker_rating_tenths BETWEEN 10 AND 50",
                        name="speaker_rating_range"),
        Index("ix_attendance_record_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), comment="an ActivityKind")
    day: Mapped[date]
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    speaker_rating_tenths: Mapped[int | None] = mapped_column(comment="average speaker rating × 10 (1.0–5.0)")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    attendees: Mapped[list[AttendanceRecordPerson]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


class AttendanceRecordPerson(Base):
    __tablename__ = "attendance_record_person"

    record_id: Mapped[int] = mapped_column(ForeignKey("attendance_record.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True, index=True)
