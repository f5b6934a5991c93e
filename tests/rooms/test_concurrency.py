"""No double booking under a real race: 50 people book overlapping times of one room at the
same moment, each in their own transaction and thread, on SQLite (a file) and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from server.accounts.people_repository import person_by_username
from server.enums import Role
from server.models import Booking
from server.rooms import service as room_service
from tests.factories import build_world, create_person
from tests.requests.test_concurrency import run_together
from tests.rooms.helpers import NOW, create_room, local

PEOPLE = 50


def test_fifty_overlapping_bookings_at_once_exactly_one_wins(database):
    build_world(database)
    with database.write() as session:
        room_id = create_room(session).id
        for i in range(PEOPLE):
            create_person(session, f"booker{i}", Role.member)

    def attempt(i: int):
        # Every attempt covers 10:00–10:30 (so any two overlap), starting at 09:00, 09:30 or 10:00
        # and lasting one to three half hours beyond it.
        start = local(9, 21, 9) + timedelta(minutes=30 * (i % 3))
        end = local(9, 21, 10, 30) + timedelta(minutes=30 * (i % 4))

        def work(session):
            return room_service.book(
                session, room_id=room_id, starts_at=start, ends_at=end, title=f"第{i}组活动", purpose="",
                expected_people=5, contact_name="", contact_phone="", booked_by=person_by_username(session, f"booker{i}"),
                now=NOW,
            )

        return database.run(work)

    results, errors = run_together(PEOPLE, attempt)

    assert len(results) == 1, errors
    unexpected = [repr(e) for e in errors if not isinstance(e, room_service.BookingConflict)]
    assert unexpected == [] and len(errors) == PEOPLE - 1
    winner = results[0]
    expected = (f"The room is already booked from {winner.starts_at.astimezone(local(9, 21, 9).tzinfo):%Y-%m-%d %H:%M} "
                f"to {winner.ends_at.astimezone(local(9, 21, 9).tzinfo):%H:%M}.")
    assert {e.detail for e in errors} == {expected}
    assert {e.conflicting_id for e in errors} == {winner.id}
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 1
