"""The programme's figures for the supervision page, over a period (by start time):

- activities held: scheduled (not cancelled) activities that started in the period and have ended;
- sign-ups: places taken for them (signed up, not waiting, not cancelled);
- attendance rate = of those signed up, the share who checked in (walk-ins are counted apart,
  so the rate stays a share of the people who said they would come); no sign-ups, no figure;
- average ratings (content; speaker) by kind, and the speaker rating by speaker.

An empty denominator gives None ("—" on pages, null in JSON), as for the request figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from server.enums import ActivityStatus, SignupStatus
from server.models import Activity, ActivityRating, Attendance, Person, Signup


@dataclass(frozen=True)
class KindFigures:
    kind: str
    held: int
    signed_up: int
    attended: int
    ratings: int
    content_average: float | None
    speaker_average: float | None

    @property
    def attendance_rate(self) -> float | None:
        return self.attended / self.signed_up if self.signed_up else None


@dataclass(frozen=True)
class SpeakerFigures:
    speaker_id: int | None
    speaker: str
    lectures: int
    ratings: int
    average: float | None


@dataclass(frozen=True)
class ProgrammeFigures:
    held: int
    signed_up: int
    attended: int  # of those signed up
    walk_ins: int
    by_kind: list[KindFigures]
    by_speaker: list[SpeakerFigures]

    @property
    def attendance_rate(self) -> float | None:
        return self.attended / self.signed_up if self.signed_up else None


def _avg(value) -> float | None:
    return float(value) if value is not None else None


def figures(session: Session, *, start: datetime, end: datetime, now: datetime,
            department_id: int | None = None) -> ProgrammeFigures:
    """Four grouped queries, whatever the period. ``department_id`` keeps the activities that
    department organised."""
    held = and_(Activity.status == ActivityStatus.scheduled, Activity.starts_at >= start, Activity.starts_at < end,
                Activity.ends_at <= now)
    if department_id is not None:
        held = and_(held, Activity.organiser_department_id == department_id)
    signups = dict(session.execute(
        select(Activity.kind, func.count(Signup.id)).join(Signup, Signup.activity_id == Activity.id)
        .where(held, Signup.status == SignupStatus.signed_up).group_by(Activity.kind)
    ).all())
    came = session.execute(
        select(Activity.kind, func.count(Attendance.id), func.count(Signup.id))
        .join(Attendance, Attendance.activity_id == Activity.id)
        .outerjoin(Signup, and_(Signup.activity_id == Activity.id, Signup.person_id == Attendance.person_id,
                                Signup.status == SignupStatus.signed_up))
        .where(held).group_by(Activity.kind)
    ).all()
    attended = {kind: signed for kind, _all, signed in came}
    walk_ins = sum(total - signed for _kind, total, signed in came)
    rated = session.execute(
        select(Activity.kind, func.count(func.distinct(Activity.id)), func.count(ActivityRating.id),
               func.avg(ActivityRating.content), func.avg(ActivityRating.speaker))
        .outerjoin(ActivityRating, ActivityRating.activity_id == Activity.id)
        .where(held).group_by(Activity.kind).order_by(Activity.kind)
    ).all()
    by_kind = [
        KindFigures(kind, n, signups.get(kind, 0), attended.get(kind, 0), r, _avg(content), _avg(speaker))
        for kind, n, r, content, speaker in rated
    ]
    name = func.coalesce(func.nullif(Activity.speaker_name, ""), Person.display_name)
    by_speaker = [
        SpeakerFigures(sid, sname or "", n, r, _avg(avg))
        for sid, sname, n, r, avg in session.execute(
            select(Activity.speaker_id, name, func.count(func.distinct(Activity.id)), func.count(ActivityRating.speaker),
                   func.avg(ActivityRating.speaker))
            .outerjoin(Person, Person.id == Activity.speaker_id)
            .outerjoin(ActivityRating, ActivityRating.activity_id == Activity.id)
            .where(held, (Activity.speaker_id.is_not(None)) | (Activity.speaker_name != ""))
            .group_by(Activity.speaker_id, name).order_by(func.avg(ActivityRating.speaker).desc(), name)
        )
    ]
    return ProgrammeFigures(
        held=sum(k.held for k in by_kind), signed_up=sum(k.signed_up for k in by_kind),
        attended=sum(k.attended for k in by_kind), walk_ins=walk_ins, by_kind=by_kind, by_speaker=by_speaker,
    )


@dataclass(frozen=True)
class ProgrammeTotals:
    """The headline of :class:`ProgrammeFigures` (same definitions), for the supervision page."""

    held: int
    signed_up: int
    attended: int  # of those signed up
    walk_ins: int
    ratings: int
    content_average: float | None
    speaker_average: float | None

    @property
    def attendance_rate(self) -> float | None:
        return self.attended / self.signed_up if self.signed_up else None


def totals(session: Session, *, start: datetime, end: datetime, now: datetime,
           department_id: int | None = None) -> ProgrammeTotals:
    """The period's totals in one query (the dashboard's budget): held, places taken, who of
    them came, walk-ins, ratings and their averages — what :func:`figures` sums over kinds.
    ``department_id`` keeps the activities that department organised (a lead's view)."""
    held = and_(Activity.status == ActivityStatus.scheduled, Activity.starts_at >= start, Activity.starts_at < end,
                Activity.ends_at <= now)
    if department_id is not None:
        held = and_(held, Activity.organiser_department_id == department_id)
    held_ids = select(Activity.id).where(held)
    signed = and_(Signup.status == SignupStatus.signed_up)
    came_signed = (
        select(func.count(Attendance.id))
        .join(Signup, and_(Signup.activity_id == Attendance.activity_id, Signup.person_id == Attendance.person_id, signed))
        .where(Attendance.activity_id.in_(held_ids))
    )
    row = session.execute(select(
        select(func.count(Activity.id)).where(held).scalar_subquery(),
        select(func.count(Signup.id)).where(Signup.activity_id.in_(held_ids), signed).scalar_subquery(),
        came_signed.scalar_subquery(),
        select(func.count(Attendance.id)).where(Attendance.activity_id.in_(held_ids)).scalar_subquery(),
        select(func.count(ActivityRating.id)).where(ActivityRating.activity_id.in_(held_ids)).scalar_subquery(),
        select(func.avg(ActivityRating.content)).where(ActivityRating.activity_id.in_(held_ids)).scalar_subquery(),
        select(func.avg(ActivityRating.speaker)).where(ActivityRating.activity_id.in_(held_ids)).scalar_subquery(),
    )).one()
    count, signed_up, attended, came, ratings, content, speaker = row
    return ProgrammeTotals(held=count or 0, signed_up=signed_up or 0, attended=attended or 0,
                           walk_ins=(came or 0) - (attended or 0), ratings=ratings or 0,
                           content_average=_avg(content), speaker_average=_avg(speaker))
