"""The demo programme: theme days on the second Thursday, lectures with speakers, clubs with
members, and history (check-ins, ratings, approved comments) — loaded once."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from server.activities import repository as repo
from server.enums import ActivityKind
from server.models import (
    Activity,
    ActivityRating,
    Attendance,
    Booking,
    Club,
    ClubMember,
    Person,
    Room,
)
from server.seeding import load_seeds, seed_programme

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def test_the_demo_programme(database):
    with database.write() as session:
        load_seeds(session)
        made = seed_programme(session, now=NOW)
    assert made["clubs"] == 4 and made["activities"] >= 12
    zone = ZoneInfo("Asia/Shanghai")
    with database.read() as session:
        theme_days = list(session.scalars(select(Activity.starts_at).where(Activity.kind == ActivityKind.theme_day)))
        local = [t.astimezone(zone) for t in theme_days]
        assert all(d.weekday() == 3 and 8 <= d.day <= 14 and d.hour == 14 for d in local)
        assert len(local) >= 6  # three months back, three ahead
        assert session.scalar(select(func.count()).select_from(Attendance)) > 10
        assert session.scalar(select(func.count()).select_from(ActivityRating).where(ActivityRating.approved.is_(True))) > 0
        assert session.scalar(select(func.count()).select_from(ClubMember)) > 8
        lead1 = session.scalar(select(Person).where(Person.username == "lead1"))
        given = repo.lectures_given(session, lead1.id, start=datetime(2026, 1, 1, tzinfo=UTC),
                                    end=datetime(2027, 1, 1, tzinfo=UTC), now=NOW)
        assert given and given[0].ratings > 0
        # The coming theme days hold the lecture hall by a booking (10 Dec, 14 Jan; not a holiday).
        held = session.execute(
            select(Activity.starts_at, Room.name).join(Booking, Booking.activity_id == Activity.id)
            .join(Room, Room.id == Booking.room_id)
            .where(Activity.kind == ActivityKind.theme_day, Booking.status == "approved")
        ).all()
        assert {t.astimezone(zone).date().isoformat() for t, _ in held} >= {"2026-12-10", "2027-01-14"}
        assert {name["zh-Hans"] for _, name in held} == {"多功能报告厅"}
    with database.write() as session:
        assert seed_programme(session, now=NOW) == {"clubs": 0, "activities": 0}
        assert session.scalar(select(func.count()).select_from(Club)) == 4
