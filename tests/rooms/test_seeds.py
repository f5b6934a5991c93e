"""The demo centre's rooms and this week's bookings (seeds/rooms.yaml), loaded through the
rooms service."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select

from server.enums import BookingStatus
from server.models import Booking, Room
from server.seeding import SEEDS_DIR, load_seeds
from server.seeding.rooms import load_demo_bookings
from tests.rooms.helpers import local


def test_the_demo_centre_has_rooms_and_bookings_of_the_week(database):
    with database.write() as session:
        counts = load_seeds(session)
    assert counts["rooms"]["created"] >= 4
    with database.read() as session:
        rooms = session.scalars(select(Room)).all()
        assert len({r.building_id for r in rooms}) >= 2
        assert any(r.needs_approval for r in rooms) and any(not r.needs_approval for r in rooms)
        assert all(r.capacity > 0 and r.equipment and r.opening_hours for r in rooms)
    # A fixed ordinary week (Mon 21 Sep 2026; Fri 25 is the Mid-Autumn holiday).
    tally = {"created": 0, "updated": 0, "unchanged": 0}
    with database.write() as session:
        load_demo_bookings(session, SEEDS_DIR, tally, today=date(2026, 9, 23))
    with database.read() as session:
        week = session.scalars(select(Booking).where(Booking.starts_at >= local(9, 21, 0), Booking.starts_at < local(9, 28, 0))).all()
    statuses = Counter(b.status for b in week)
    assert statuses[BookingStatus.approved] >= 4
    assert statuses[BookingStatus.refused] == 1
    # The Friday booking falls on the holiday of a room keeping office hours: left out.
    assert statuses[BookingStatus.requested] == 0
    assert tally["created"] == len(week)
    with database.write() as session:
        again = {"created": 0, "updated": 0, "unchanged": 0}
        load_demo_bookings(session, SEEDS_DIR, again, today=date(2026, 9, 23))
    assert again["created"] == 0 and again["unchanged"] == len(week)
