"""The programme section of the supervision dashboard (/supervision): the period's activities
held, places taken, attendance rate, average ratings (``server/activities/figures.py``
``totals()``, one query) and room use (``server/rooms/figures.py``, one query), as text, each
linking to the page behind it. A department's view (a lead, or the department filter) counts
the activities that department organised and leaves out room use, which is the centre's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from server.activities import figures as programme_figures
from server.config import get_settings
from server.i18n_text import N_
from server.metrics.pages.formats import Formats
from server.rooms import figures as room_figures


@dataclass(frozen=True)
class Figure:
    label: str
    text: str
    href: str | None


def _utc(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, zone).astimezone(ZoneInfo("UTC"))


def section(fmt: Formats, session: Session, start: date, end: date, department_id: int | None,
            now: datetime) -> list[Figure]:
    zone = ZoneInfo(get_settings().timezone)
    t = programme_figures.totals(session, start=_utc(start, zone), end=_utc(end + timedelta(days=1), zone), now=now,
                                 department_id=department_id)
    programme = "/activities?" + urlencode({"period": "month", "day": start.isoformat()})
    figures = [
        Figure(fmt._(N_("Activities held")), fmt.count(t.held), programme),
        Figure(fmt._(N_("Sign-ups")), fmt.count(t.signed_up), programme),
        Figure(fmt._(N_("Attendance rate")),
               f"{fmt.rate(t.attendance_rate)} ({fmt.count(t.attended)}/{fmt.count(t.signed_up)})", programme),
        Figure(fmt._(N_("Walk-ins")), fmt.count(t.walk_ins), programme),
        Figure(fmt._(N_("Average rating: content")), f"{fmt.rating(t.content_average)} ({fmt.count(t.ratings)})", programme),
        Figure(fmt._(N_("Average rating: speaker")), fmt.rating(t.speaker_average), programme),
    ]
    if department_id is None:
        booked, opened, rate = room_figures.overall(room_figures.room_use(session, start, end))
        use = "/rooms/use?" + urlencode({"from": start.isoformat(), "to": end.isoformat()})
        figures.append(Figure(fmt._(N_("Room use")), f"{fmt.rate(rate)} ({fmt.hours(booked)} / {fmt.hours(opened)})", use))
    return figures
