"""The programme on the supervision pages. :func:`section` is the dashboard's (/supervision):
the period's activities held, places taken, attendance rate, average ratings
(``server/activities/figures.py`` ``totals()``, one query) and room use
(``server/rooms/figures.py``, one query), as text, each linking to the page behind it;
:func:`page` is /supervision/programme: the same period by kind and by speaker, and each
speaker's average rating month by month. A department's view (a lead, or the department filter) counts
the activities that department organised and leaves out room use, which is the centre's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from server.activities import figures as programme_figures
from server.activities import repository as activity_repo
from server.activities.rules import KIND_LABELS
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
            now: datetime, *, details: str = "/supervision/programme") -> list[Figure]:
    """``details``: the link to /supervision/programme with the dashboard's own period and filters."""
    zone = ZoneInfo(get_settings().timezone)
    t = programme_figures.totals(session, start=_utc(start, zone), end=_utc(end + timedelta(days=1), zone), now=now,
                                 department_id=department_id)
    programme = details
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


# --- /supervision/programme: by kind, by speaker, speakers over the months ---------------------
@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class SpeakerTrend:
    months: tuple[str, ...]  # YYYY-MM, oldest first
    rows: tuple[Row, ...]  # a speaker, then their average speaker rating each month ("—": none)


TREND_MONTHS = 12


def _months_back(end: date, count: int) -> list[date]:
    first = end.replace(day=1)
    months = [first]
    while len(months) < count:
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return months[::-1]


def page(fmt: Formats, session: Session, start: date, end: date, department_id: int | None,
         now: datetime) -> dict:
    """The programme's figures of the period by kind and by speaker, and the speakers' average
    speaker rating per month over the year to the period's end."""
    zone = ZoneInfo(get_settings().timezone)
    f = programme_figures.figures(session, start=_utc(start, zone), end=_utc(end + timedelta(days=1), zone), now=now,
                                  department_id=department_id)
    kinds = tuple(
        Row(fmt._(KIND_LABELS[k.kind]), (fmt.count(k.held), fmt.count(k.signed_up), fmt.count(k.attended),
                                         fmt.rate(k.attendance_rate), fmt.count(k.ratings), fmt.rating(k.content_average),
                                         fmt.rating(k.speaker_average)))
        for k in f.by_kind
    )
    speakers = tuple(Row(s.speaker, (fmt.count(s.lectures), fmt.count(s.ratings), fmt.rating(s.average)))
                     for s in f.by_speaker)
    months = _months_back(end, TREND_MONTHS)
    trend_start = _utc(months[0], zone)
    monthly = activity_repo.speaker_ratings(session, start=trend_start, end=_utc(end + timedelta(days=1), zone),
                                            department_id=department_id)
    keys = [m.strftime("%Y-%m") for m in months]
    by_speaker: dict[tuple, dict[str, float | None]] = {}
    for line in monthly:
        by_speaker.setdefault((line.speaker_id, line.speaker_name), {})[line.month] = line.average
    trend = SpeakerTrend(tuple(keys), tuple(
        Row(name, tuple(fmt.rating(values.get(k)) for k in keys))
        for (_sid, name), values in sorted(by_speaker.items(), key=lambda item: item[0][1])
    ))
    return {"totals": f, "kinds": kinds, "speakers": speakers, "trend": trend}
