"""100 people sign up at once for 40 places: exactly 40 get one and 60 wait, numbered in the
order they arrived, with no error — on SQLite (a file, many threads) and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from server.activities import service
from server.enums import Role
from server.models import Person, Signup, utcnow
from tests.activities.helpers import build, make_activity
from tests.factories import create_person

PEOPLE = 100
PLACES = 40


def test_a_hundred_sign_up_at_once_for_forty_places(database):
    world = build(database, members=0)
    activity_id = make_activity(database, world, capacity=PLACES, now=utcnow(),
                                starts_at=utcnow() + timedelta(days=7))
    with database.write() as session:
        ids = [create_person(session, f"racer{i:03d}", Role.member).id for i in range(PEOPLE)]
    barrier = threading.Barrier(PEOPLE)
    errors: list[BaseException] = []

    def sign_up(person_id: int) -> None:
        try:
            barrier.wait()
            with database.write() as session:
                service.sign_up(session, session.get(Person, person_id), activity_id)
        except BaseException as exc:  # collected: an error in a thread must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=sign_up, args=(pid,)) for pid in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    with database.read() as session:
        rows = session.execute(
            select(Signup.position, Signup.status, Signup.created_at).where(Signup.activity_id == activity_id)
            .order_by(Signup.position)
        ).all()
    assert [r.position for r in rows] == list(range(1, PEOPLE + 1))  # gapless, one each
    statuses = [r.status for r in rows]
    # The first forty to arrive have the places; everyone after them waits, in order.
    assert statuses == ["signed_up"] * PLACES + ["waiting"] * (PEOPLE - PLACES)
    times = [r.created_at for r in rows]
    assert times == sorted(times)
