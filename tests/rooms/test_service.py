"""Booking, approving, refusing and cancelling (server/rooms/service.py) on a migrated
database: SQLite, and PostgreSQL with TEST_DATABASE_URL."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

from server.accounts.people_repository import person_by_username
from server.enums import BookingStatus
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.models import AuditEntry, Booking
from server.rooms import service as room_service
from tests.factories import build_world
from tests.rooms.helpers import NOW, create_room, local


@pytest.fixture
def world(database):
    return build_world(database)


@pytest.fixture
def room_id(database, world) -> int:
    with database.write() as session:
        return create_room(session).id


@pytest.fixture
def approval_room_id(database, world) -> int:
    with database.write() as session:
        return create_room(session, "报告厅", capacity=120, needs_approval=True).id


def book(database, username, room_id, start, end, *, title="支部学习", people=10, **extra):
    def work(session):
        person = person_by_username(session, username)
        return room_service.book(
            session, room_id=room_id, starts_at=start, ends_at=end, title=title, purpose=extra.pop("purpose", "学习"),
            expected_people=people, contact_name=extra.pop("contact_name", ""),
            contact_phone=extra.pop("contact_phone", ""), booked_by=person, now=NOW, **extra,
        )

    return database.run(work)


def decide(database, username, action, booking_id, **kwargs):
    def work(session):
        person = person_by_username(session, username)
        return getattr(room_service, action)(session, booking_id, by=person, now=NOW, **kwargs)

    return database.run(work)


def test_a_free_slot_is_booked_at_once_with_the_booker_s_contact(database, room_id):
    booking = book(database, "member1", room_id, local(9, 21, 9), local(9, 21, 10))
    assert booking.status == BookingStatus.approved
    assert booking.contact_name == "Member1" and booking.contact_phone == "13800138000"
    with database.read() as session:
        stored = session.get(Booking, booking.id)
        member = person_by_username(session, "member1")
    assert stored.booked_by_id == member.id and stored.enterprise_id == member.enterprise_id
    assert stored.starts_at == local(9, 21, 9)  # aware, the same moment


def test_an_overlapping_booking_is_refused_naming_the_one_in_its_way(database, room_id):
    first = book(database, "member1", room_id, local(9, 21, 9), local(9, 21, 11), title="支部学习")
    with pytest.raises(room_service.BookingConflict) as caught:
        book(database, "member2", room_id, local(9, 21, 10), local(9, 21, 12))
    # member2 may not see member1's title: only the time.
    assert caught.value.detail == "The room is already booked from 2026-09-21 09:00 to 11:00."
    assert caught.value.conflicting_id == first.id and caught.value.status_code == 409
    with pytest.raises(room_service.BookingConflict) as caught:
        book(database, "member1", room_id, local(9, 21, 10, 30), local(9, 21, 11, 30))
    assert "“支部学习”" in caught.value.detail  # the booker sees their own title
    # Back to back is no overlap; another room is no overlap.
    book(database, "member2", room_id, local(9, 21, 11), local(9, 21, 12))
    with database.write() as session:
        other = create_room(session, "会议室").id
    book(database, "member2", other, local(9, 21, 9), local(9, 21, 11))


def test_cancelled_and_refused_bookings_free_the_slot(database, room_id, approval_room_id):
    first = book(database, "member1", room_id, local(9, 21, 9), local(9, 21, 10))
    decide(database, "member1", "cancel", first.id)
    again = book(database, "member2", room_id, local(9, 21, 9), local(9, 21, 10))
    assert again.status == BookingStatus.approved

    waiting = book(database, "member1", approval_room_id, local(9, 21, 9), local(9, 21, 10))
    assert waiting.status == BookingStatus.requested
    with pytest.raises(room_service.BookingConflict):  # a request waiting for approval holds the slot
        book(database, "member2", approval_room_id, local(9, 21, 9), local(9, 21, 10))
    refused = decide(database, "dispatcher1", "refuse", waiting.id, reason="当天有上级检查")
    assert refused.status == BookingStatus.refused and refused.decision_reason == "当天有上级检查"
    assert book(database, "member2", approval_room_id, local(9, 21, 9), local(9, 21, 10)).status == BookingStatus.requested


def test_the_database_refuses_an_overlap_that_skips_the_service(database, room_id):
    book(database, "member1", room_id, local(9, 21, 9), local(9, 21, 10))
    with database.read() as session:
        template = session.scalar(select(Booking)).__dict__.copy()
    row = {k: v for k, v in template.items() if not k.startswith("_") and k != "id"}
    row.update(starts_at=local(9, 21, 9, 30), ends_at=local(9, 21, 10, 30))
    with pytest.raises(IntegrityError, match="booking_overlap"), database.write() as session:
        session.execute(insert(Booking).values(**row))
    # Nor can an update move a cancelled booking back into a taken slot.
    row.update(starts_at=local(9, 21, 12), ends_at=local(9, 21, 13), status="cancelled")
    with database.write() as session:
        session.execute(insert(Booking).values(**row))
    with pytest.raises(IntegrityError, match="booking_overlap"), database.write() as session:
        session.execute(update(Booking).where(Booking.status == "cancelled")
                        .values(status="approved", starts_at=local(9, 21, 9), ends_at=local(9, 21, 10)))
    with pytest.raises(IntegrityError), database.write() as session:
        session.execute(text("UPDATE booking SET ends_at = starts_at"))


def test_validation_errors_name_their_fields(database, room_id):
    with pytest.raises(InvalidInput) as caught:
        book(database, "member1", room_id, local(9, 21, 11), local(9, 21, 14), title="", people=31,
             contact_phone="call me")
    assert set(caught.value.errors) == {"starts_at", "expected_people", "title", "contact_phone"}
    with pytest.raises(InvalidInput) as caught:
        book(database, "member1", room_id, local(10, 1, 9), local(10, 1, 10))
    assert "public holiday" in str(caught.value.errors["starts_at"])
    with pytest.raises(NotFound):
        book(database, "member1", 999_999, local(9, 21, 9), local(9, 21, 10))


def test_the_centre_approves_and_its_own_bookings_need_no_approval(database, approval_room_id):
    waiting = book(database, "member1", approval_room_id, local(9, 21, 9), local(9, 21, 10))
    with pytest.raises(Forbidden):
        decide(database, "member1", "approve", waiting.id)
    with pytest.raises(Forbidden):
        decide(database, "staff1", "approve", waiting.id)
    approved = decide(database, "dispatcher1", "approve", waiting.id)
    assert approved.status == BookingStatus.approved and approved.decided_at is not None
    with pytest.raises(Conflict, match="approved already"):
        decide(database, "admin1", "approve", waiting.id)
    with pytest.raises(Conflict, match="approved already"):
        decide(database, "admin1", "refuse", waiting.id, reason="不行")
    own = book(database, "dispatcher1", approval_room_id, local(9, 21, 13, 30), local(9, 21, 15))
    assert own.status == BookingStatus.approved


def test_refusal_needs_a_reason(database, approval_room_id):
    waiting = book(database, "member1", approval_room_id, local(9, 21, 9), local(9, 21, 10))
    with pytest.raises(InvalidInput) as caught:
        decide(database, "dispatcher1", "refuse", waiting.id, reason="  ")
    assert set(caught.value.errors) == {"reason"}


def test_who_may_cancel(database, room_id):
    booking = book(database, "member1", room_id, local(9, 21, 9), local(9, 21, 10))
    with pytest.raises(Forbidden):
        decide(database, "member2", "cancel", booking.id)
    with pytest.raises(Forbidden):
        decide(database, "contact1", "cancel", booking.id)  # sees it, but did not book it
    cancelled = decide(database, "dispatcher1", "cancel", booking.id, reason="场地维修")
    assert cancelled.status == BookingStatus.cancelled and cancelled.decision_reason == "场地维修"
    with pytest.raises(Conflict, match="cancelled already"):
        decide(database, "member1", "cancel", booking.id)


def test_a_stale_version_is_refused(database, room_id):
    booking = book(database, "member1", room_id, local(9, 21, 9), local(9, 21, 10))
    with pytest.raises(Conflict, match="changed this booking"):
        decide(database, "member1", "cancel", booking.id, version=booking.version + 1)


def test_rooms_are_kept_by_admins_with_an_audit_trail(database, world):
    with database.write() as session:
        admin = person_by_username(session, "admin1")
        building_id = create_room(session).building_id
        data = room_service.RoomInput(
            name={"zh-Hans": "多功能厅"}, building_id=building_id, floor="1", capacity=80,
            equipment=room_service.parse_equipment("投影仪，音响、 白板"), hours={"mon": "09:00-18:00"},
            needs_approval=True,
        )
        room = room_service.create_room(session, admin, data)
        assert room.equipment == ["投影仪", "音响", "白板"]
        assert room.opening_hours == {"mon": [["09:00", "18:00"]]}
        room_service.set_room_active(session, admin, room, False)
    with database.read() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "room")).all()
    assert actions == ["create", "deactivate"]
    with pytest.raises(InvalidInput) as caught, database.write() as session:
        room_service.create_room(session, admin, room_service.RoomInput(
            name={}, building_id=None, capacity=0, hours={"mon": "late"}))
    assert set(caught.value.errors) == {"name.zh-Hans", "building_id", "capacity", "hours.mon"}
