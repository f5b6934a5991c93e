"""Room use for the supervision figures (server/rooms/figures.py): booked hours of approved
bookings / open hours, per room, over a period."""

from __future__ import annotations

from datetime import date

import pytest

from server.accounts.people_repository import person_by_username
from server.rooms import figures
from server.rooms import service as room_service
from tests.factories import build_world
from tests.rooms.helpers import NOW, create_room, local


def test_room_use_counts_approved_hours_over_open_hours(database, count_queries):
    build_world(database)
    with database.write() as session:
        room = create_room(session)
        hall = create_room(session, "报告厅", capacity=100, needs_approval=True)
        create_room(session, "周末空间", hours={"sat": [["10:00", "12:00"]]}, keeps_office_hours=True)
        member = person_by_username(session, "member1")
        for start, end in ((local(9, 21, 9), local(9, 21, 11)), (local(9, 22, 14), local(9, 22, 15))):
            room_service.book(session, room_id=room.id, starts_at=start, ends_at=end, title="学习", purpose="",
                              expected_people=5, contact_name="", contact_phone="", booked_by=member, now=NOW)
        # Waiting for approval: not counted; cancelled: not counted.
        room_service.book(session, room_id=hall.id, starts_at=local(9, 21, 9), ends_at=local(9, 21, 12), title="会",
                          purpose="", expected_people=5, contact_name="", contact_phone="", booked_by=member, now=NOW)
        gone = room_service.book(session, room_id=room.id, starts_at=local(9, 23, 9), ends_at=local(9, 23, 12),
                                 title="取消", purpose="", expected_people=5, contact_name="", contact_phone="",
                                 booked_by=member, now=NOW)
        room_service.cancel(session, gone.id, by=member, now=NOW)
    with database.read() as session, count_queries(database) as counter:
        lines = figures.room_use(session, date(2026, 9, 21), date(2026, 9, 27))
    assert counter.count == 1, counter
    by_name = {line.room.name["zh-Hans"]: line for line in lines}
    # Mon–Thu open 3 + 7.5 hours (Fri 25 Sep is the Mid-Autumn holiday): 42 open hours.
    assert by_name["党员活动室"].open_hours == 42 and by_name["党员活动室"].booked_hours == 3
    assert by_name["党员活动室"].rate == pytest.approx(3 / 42)
    assert by_name["报告厅"].booked_hours == 0 and by_name["报告厅"].rate == 0
    # Open only on Saturdays, which are rest days for a room keeping office hours: no figure.
    assert by_name["周末空间"].open_hours == 0 and by_name["周末空间"].rate is None
    assert figures.overall(lines) == (3, 42 + 42, pytest.approx(3 / 84))
    with database.read() as session:  # the rooms given: the same figures
        assert [line.booked_hours for line in figures.room_use(session, date(2026, 9, 21), date(2026, 9, 27),
                                                                 rooms=[line.room for line in lines])] == [3, 0, 0]
