"""Visits to enterprises 走访企业: the plan per enterprise, the visit log, who went, the
photos taken and the requests filed from the needs found.

The next visit due is not stored: ``server/visits/rules.py`` computes it from the last visit,
the frequency (the plan's, else the setting) and an accepted "enterprise visit" request, so
that a changed default or a newly logged visit can never leave a stale date behind."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, utcnow


class VisitPlan(Base):
    """How often one enterprise is visited and who is responsible. An enterprise without a
    row is planned with the defaults (the setting's frequency, nobody responsible)."""

    __tablename__ = "visit_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), unique=True)
    # Months between visits; None: LIANXIN_VISIT_DEFAULT_FREQUENCY.
    frequency_months: Mapped[int | None]
    responsible_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    responsible_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # Counting starts here for an enterprise never visited (the plan's first due date).
    starts_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Visit(Base):
    """One visit 走访记录: when, whom the staff met, what they talked about and found."""

    __tablename__ = "visit"
    __table_args__ = (Index("ix_visit_enterprise_id_visited_on", "enterprise_id", "visited_on"),
                      Index("ix_visit_visited_on_id", "visited_on", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    visited_on: Mapped[date] = mapped_column(Date)
    met_with: Mapped[str] = mapped_column(String(200), default="")
    topics: Mapped[str] = mapped_column(String(500), default="")
    findings: Mapped[str] = mapped_column(Text, default="")
    # For the centre's staff only: never shown to the enterprise's contacts.
    internal_notes: Mapped[str] = mapped_column(Text, default="")
    follow_ups: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VisitStaff(Base):
    """Who went on a visit (one or more staff)."""

    __tablename__ = "visit_staff"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True, index=True)


class VisitPhoto(Base):
    """A photo (or document) from a visit, stored like a request's attachments: the bytes on
    disk under a generated name (``server/attachments/storage.py``), typed by content."""

    __tablename__ = "visit_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VisitNeed(Base):
    """A need found on a visit, filed as a request on the enterprise's behalf."""

    __tablename__ = "visit_need"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id", ondelete="CASCADE"), unique=True)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
