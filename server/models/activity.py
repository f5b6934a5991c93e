"""The centre's programme 活动: activities, their repeat series, sign-ups with the waiting
list, attendance, ratings, and each person's calendar-feed token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.enums import ActivityAudience, ActivityKind, ActivityStatus, CheckInMethod, SignupStatus
from server.models.base import Base, utcnow


class ActivitySeries(Base):
    """A repeating activity: an RFC 5545 rule (``FREQ=MONTHLY;BYDAY=+2TH``) read in the
    centre's time zone from ``first_starts_at``; its occurrences are ordinary activities."""

    __tablename__ = "activity_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    rrule: Mapped[str] = mapped_column(String(200))
    first_starts_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Activity(Base):
    __tablename__ = "activity"
    __table_args__ = (
        # Organised by a department or by a club: exactly one of them.
        CheckConstraint(
            "(organiser_department_id IS NULL) <> (organiser_club_id IS NULL)", name="one_organiser"
        ),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        # One occurrence of a series per start time: extending a series twice adds nothing.
        UniqueConstraint("series_id", "starts_at"),
        Index("ix_activity_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[ActivityKind] = mapped_column(String(20))
    organiser_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    organiser_club_id: Mapped[int | None] = mapped_column(ForeignKey("club.id"), index=True)
    # A speaker who has an account (their ratings count for them), or just a name.
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    speaker_name: Mapped[str] = mapped_column(String(100), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200), default="")
    capacity: Mapped[int | None] = mapped_column(comment="places; NULL for no limit")
    audience: Mapped[ActivityAudience] = mapped_column(String(30), default=ActivityAudience.members)
    signup_opens_at: Mapped[datetime | None]
    signup_closes_at: Mapped[datetime | None]
    series_id: Mapped[int | None] = mapped_column(ForeignKey("activity_series.id", ondelete="SET NULL"))
    status: Mapped[ActivityStatus] = mapped_column(String(20), default=ActivityStatus.scheduled)
    # The short code shown in the room; valid from shortly before the start to shortly after the end.
    checkin_code: Mapped[str] = mapped_column(String(12))
    # Arrival counter: each sign-up takes the next number in the transaction that holds this
    # row's lock, so positions are gapless arrival order (server/activities/signups.py).
    arrivals: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None] = mapped_column(comment="when the day-before reminder went to the signed-up")


class Signup(Base):
    """One person's place (or place in the queue) for one activity; a cancelled sign-up that
    signs up again keeps its row and goes to the back."""

    __tablename__ = "activity_signup"
    __table_args__ = (
        UniqueConstraint("activity_id", "person_id"),
        Index("ix_activity_signup_queue", "activity_id", "status", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[SignupStatus] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(comment="arrival order within the activity")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(comment="moved up from the waiting list")
    cancelled_at: Mapped[datetime | None]


class Attendance(Base):
    __tablename__ = "activity_attendance"
    __table_args__ = (UniqueConstraint("activity_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    checked_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    method: Mapped[CheckInMethod] = mapped_column(String(10))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))


class ActivityRating(Base):
    """An attendee's rating 满意度测评: content and speaker 1–5, a comment that shows on the
    comment wall 留言墙 once the organiser approves it."""

    __tablename__ = "activity_rating"
    __table_args__ = (
        UniqueConstraint("activity_id", "person_id"),
        CheckConstraint("content BETWEEN 1 AND 5", name="content_range"),
        CheckConstraint("speaker IS NULL OR speaker BETWEEN 1 AND 5", name="speaker_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    content: Mapped[int]
    speaker: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    approved: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActivityFeed(Base):
    """A person's private calendar address: calendar apps send no cookie, so the secret in
    the URL is the credential. Only its SHA-256 is stored; a new one replaces the old."""

    __tablename__ = "activity_feed"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
