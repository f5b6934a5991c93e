"""Activities as the pages and the API show them: organiser and speaker names, places left,
the reader's own sign-up — for a whole list in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.activities import repository as repo
from server.activities import rules
from server.enums import ActivityStatus, SignupStatus
from server.i18n_text import localized
from server.models import Activity, Person, Signup, utcnow
from server.rooms import repository as room_repo


@dataclass(frozen=True)
class ActivityView:
    id: int
    title: str
    description: str
    kind: str
    kind_label: str  # an English msgid
    status: str
    starts_at: datetime
    ends_at: datetime
    place: str
    organiser: str
    organiser_department_id: int | None
    organiser_club_id: int | None
    speaker: str
    speaker_id: int | None
    capacity: int | None
    signed_up: int
    waiting: int
    audience: str
    audience_label: str
    signup_opens_at: datetime | None
    signup_closes_at: datetime
    series_id: int | None
    my_status: str | None  # signed_up | waiting | None
    ended: bool
    # The room the activity holds through a booking (None: no room booked).
    room_id: int | None = None
    room: str = ""
    booking_id: int | None = None
    booking_status: str | None = None  # requested (waiting for the centre) | approved

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.signed_up, 0)

    @property
    def cancelled(self) -> bool:
        return self.status == ActivityStatus.cancelled


def views(session: Session, activities: Sequence[Activity], reader: Person | None, locale: str) -> list[ActivityView]:
    """Six queries at most, however long the list."""
    if not activities:
        return []
    ids = [a.id for a in activities]
    counts = repo.counts(session, ids)
    departments, clubs = repo.organiser_names(session, activities)
    speakers = repo.speaker_names(session, activities)
    bookings = room_repo.activity_bookings(session, ids)
    mine: dict[int, str] = {}
    if reader is not None:
        mine = dict(session.execute(
            select(Signup.activity_id, Signup.status)
            .where(Signup.person_id == reader.id, Signup.activity_id.in_(ids), Signup.status != SignupStatus.cancelled)
        ).all())
    now = utcnow()
    result = []
    for a in activities:
        count = counts.get(a.id, repo.Counts())
        organiser = (localized(departments.get(a.organiser_department_id), locale) if a.organiser_department_id
                     else clubs.get(a.organiser_club_id, ""))
        booking, room = bookings.get(a.id, (None, None))
        room_name = localized(room.name, locale) if room is not None else ""
        result.append(ActivityView(
            id=a.id, title=a.title, description=a.description, kind=a.kind, kind_label=rules.KIND_LABELS[a.kind],
            status=a.status, starts_at=a.starts_at, ends_at=a.ends_at, place=a.place or room_name, organiser=organiser,
            organiser_department_id=a.organiser_department_id, organiser_club_id=a.organiser_club_id,
            speaker=a.speaker_name or speakers.get(a.speaker_id, ""), speaker_id=a.speaker_id,
            capacity=a.capacity, signed_up=count.signed_up, waiting=count.waiting, audience=a.audience,
            audience_label=rules.AUDIENCE_LABELS[a.audience], signup_opens_at=a.signup_opens_at,
            signup_closes_at=rules.signup_closes_at(a), series_id=a.series_id, my_status=mine.get(a.id),
            ended=a.ends_at <= now, room_id=room.id if room is not None else None, room=room_name,
            booking_id=booking.id if booking is not None else None,
            booking_status=booking.status if booking is not None else None,
        ))
    return result


def view(session: Session, activity: Activity, reader: Person | None, locale: str) -> ActivityView:
    return views(session, [activity], reader, locale)[0]
