"""The table of who receives what (server/notifications/recipients.py): one test per row,
through the real services, and the check again at sending time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.accounts.people_repository import person_by_username
from server.enums import Action as A
from server.enums import BookingStatus, ClubJoinPolicy, Role
from server.models import Booking, Notification, Person, ServiceRequest
from server.notifications import recipients
from server.notifications import service as notifications
from server.notifications.webhooks_rules import EVENT_TYPE
from server.requests import supervision
from tests.factories import build_world, create_person
from tests.requests.helpers import act, submit


@pytest.fixture
def world(database):
    return build_world(database)


def notified(database, event_type: str) -> set[str]:
    with database.read() as session:
        return set(session.scalars(
            select(Person.username).join(Notification, Notification.person_id == Person.id)
            .where(Notification.event_type == event_type)
        ))


def claimed(database, by="staff1", service="union.join"):
    req = submit(database, "member1", service, answers={"people": 2})
    return act(database, by, req.number, A.claim)


def test_every_event_type_has_audiences_and_a_text():
    for name, row in recipients.EVENTS.items():
        assert row.audiences and all(a in recipients.RESOLVERS for a in row.audiences), name
        assert row.text and EVENT_TYPE.match(name), name


def test_new_task_in_an_open_queue_reaches_its_staff(database, world):
    submit(database, "member1", "union.join", answers={"people": 2})
    assert notified(database, "new_task") == {"staff1", "staff2", "lead1"}


def test_a_staff_event_finds_its_people_and_their_choices_in_one_statement(database, world):
    """recipients_with_choices (one joined statement for a department's staff) gives what
    recipients() and preferences() give apart: choices for this event type only, a person
    holding two of the roles once."""
    with database.write() as session:
        staff1, staff2, lead1 = (person_by_username(session, name) for name in ("staff1", "staff2", "lead1"))
        everything = {(c, e) for e in recipients.EVENT_TYPES for c in notifications.CHANNELS}
        notifications.set_choices(session, staff2, everything - {("in_app", "new_task")})
        notifications.set_choices(session, staff1, everything - {("in_app", "transferred")})
        notifications.set_choices(session, lead1, everything)  # e-mail of new tasks on: not the default
        assert {Role.staff, Role.lead} <= lead1.roles  # two rows of the join, one recipient
        department_id = staff1.department_id
    for event_type in ("new_task", "transferred"):
        with database.read() as session:
            ctx = {"department_id": department_id}
            found, chosen = recipients.recipients_with_choices(session, event_type, ctx, notifications.preferences)
            assert found == recipients.recipients(session, event_type, ctx)
            assert chosen == notifications.preferences(session, found, event_type)
            assert chosen
    submit(database, "member1", "union.join", answers={"people": 2})
    assert notified(database, "new_task") == {"staff1", "lead1"}


def test_a_department_that_assigns_sends_no_new_task_but_assigned(database, world):
    req = submit(database, "member1", "legal.aid")
    assert notified(database, "new_task") == set()
    with database.read() as session:
        assignee = session.get(Person, session.get(ServiceRequest, req.id).assignee_id).username
    assert notified(database, "assigned") == {assignee}


def test_assigned_reaches_the_assignee(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 2})
    act(database, "lead1", req.number, A.assign, assignee="staff2")
    assert notified(database, "assigned") == {"staff2"}


def test_returned_reaches_the_dispatchers(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 2})
    act(database, "staff1", req.number, A.return_, note="不属于本部门")
    assert notified(database, "returned") == {"dispatcher1"}


def test_transferred_reaches_the_new_departments_staff(database, world):
    req = submit(database, "member1", "misc.other")
    act(database, "dispatcher1", req.number, A.dispatch, department_code="union")
    act(database, "dispatcher1", req.number, A.transfer, department_code="care", note="转给关爱")
    assert notified(database, "transferred") == {"staff5", "staff6"}


@pytest.mark.parametrize("action,event,data", [
    (A.claim, "claimed", {}),
    (A.complete, "completed", {"note": "已办好"}),
    (A.suspend, "suspended", {"note": "请补充材料"}),
])
def test_the_requester_hears_of_claim_completion_and_suspension(database, world, action, event, data):
    req = submit(database, "member1", "union.join", answers={"people": 2})
    if action != A.claim:
        act(database, "staff1", req.number, A.claim)
    act(database, "staff1", req.number, action, **data)
    assert notified(database, event) == {"member1"}


def test_rejected_reaches_the_requester(database, world):
    req = submit(database, "member1", "misc.other")
    act(database, "dispatcher1", req.number, A.reject, note="不在服务范围")
    assert notified(database, "rejected") == {"member1"}


def test_urged_reaches_handler_and_lead(database, world):
    req = claimed(database, "staff2")
    act(database, "supervisor1", req.number, A.urge, note="请尽快")
    assert notified(database, "urged") == {"staff2", "lead1"}


def test_rated_unsatisfied_reaches_lead_and_supervisors(database, world):
    req = claimed(database)
    act(database, "staff1", req.number, A.complete, note="好了")
    act(database, "member1", req.number, A.rate, rating="satisfied")
    assert notified(database, "rated_unsatisfied") == set()
    req = claimed(database)
    act(database, "staff1", req.number, A.complete, note="好了")
    act(database, "member1", req.number, A.rate, rating="unsatisfied", note="没解决")
    assert notified(database, "rated_unsatisfied") == {"lead1", "supervisor1"}


def test_rework_reaches_the_handler(database, world):
    req = claimed(database, "staff2")
    act(database, "staff2", req.number, A.complete, note="好了")
    act(database, "member1", req.number, A.rework, note="还没好")
    assert notified(database, "rework") == {"staff2"}


def test_due_soon_and_overdue_come_from_the_sweep(database, world):
    req = claimed(database, "staff2")
    with database.read() as session:
        due = session.get(ServiceRequest, req.id).complete_due_at
    with database.write() as session:
        supervision.sweep_batch(session, req.status, 0, due - timedelta(hours=1))
    assert notified(database, "due_soon") == {"staff2", "lead1"}
    with database.write() as session:
        supervision.stamp_overdue(session, "complete", req.status, due + timedelta(hours=1))
    assert notified(database, "overdue") == {"staff2", "lead1", "supervisor1"}
    with database.write() as session:  # once: a second sweep finds it stamped
        supervision.stamp_overdue(session, "complete", req.status, due + timedelta(hours=2))
    with database.read() as session:
        assert session.query(Notification).filter_by(event_type="overdue").count() == 3


def test_a_rolled_back_change_notifies_nobody(database, world):
    with pytest.raises(RuntimeError), database.write() as session:
        from server.requests import service as request_service
        person = person_by_username(session, "member1")
        request_service.submit(session, person, request_service.SubmitInput(
            service_code="union.join", description="x", answers={"people": 2}))
        raise RuntimeError("the door failed")
    assert notified(database, "new_task") == set()


def test_the_actor_is_not_told_of_their_own_action(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 2})
    act(database, "lead1", req.number, A.assign, assignee="lead1")
    assert notified(database, "assigned") == set()


def test_filed_from_a_visit_reaches_the_enterprises_contact(database, world):
    from server.requests import service as request_service

    with database.write() as session:
        visitor = person_by_username(session, "dispatcher1")
        contact = person_by_username(session, "contact1")
        on_behalf = request_service.OnBehalf(filed_by=visitor, visit_id=1, visit_on="2026-12-01", enterprise="一号企业")
        request_service.submit(session, contact, request_service.SubmitInput(service_code="legal.aid", description="x"),
                               on_behalf=on_behalf)
    assert notified(database, "request_filed_from_visit") == {"contact1"}


# --- rooms -----------------------------------------------------------------------------------------
def _book(database, username, *, needs_approval):
    from server.rooms import service as rooms
    from tests.rooms.helpers import NOW, create_room, local

    with database.write() as session:
        room = create_room(session, needs_approval=needs_approval)
        booking = rooms.book(session, room_id=room.id, starts_at=local(9, 22, 10), ends_at=local(9, 22, 11),
                             title="支部会议", purpose="", expected_people=5, contact_name="张三",
                             contact_phone="13800138000", booked_by=person_by_username(session, username), now=NOW)
        return booking.id


def test_booking_requested_reaches_the_centre_and_confirmed_the_booker(database, world):
    booking_id = _book(database, "member1", needs_approval=True)
    assert notified(database, "booking_requested") == {"dispatcher1", "admin1"}
    _book(database, "member2", needs_approval=False)
    assert notified(database, "booking_confirmed") == {"member2"}
    with database.read() as session:
        assert session.get(Booking, booking_id).status == BookingStatus.requested


@pytest.mark.parametrize("decision", ["booking_approved", "booking_refused", "booking_cancelled"])
def test_the_centres_decisions_reach_the_booker(database, world, decision):
    from server.rooms import service as rooms
    from tests.rooms.helpers import NOW

    booking_id = _book(database, "member1", needs_approval=True)
    with database.write() as session:
        by = person_by_username(session, "dispatcher1")
        if decision == "booking_approved":
            rooms.approve(session, booking_id, by=by, now=NOW)
        elif decision == "booking_refused":
            rooms.refuse(session, booking_id, by=by, reason="那天有检查", now=NOW)
        else:
            rooms.cancel(session, booking_id, by=by, reason="停电", now=NOW)
    assert notified(database, decision) == {"member1"}


def test_a_booker_cancelling_is_not_told(database, world):
    from server.rooms import service as rooms
    from tests.rooms.helpers import NOW

    booking_id = _book(database, "member1", needs_approval=True)
    with database.write() as session:
        rooms.cancel(session, booking_id, by=person_by_username(session, "member1"), now=NOW)
    assert notified(database, "booking_cancelled") == set()


# --- clubs and activities ---------------------------------------------------------------------------
def _club(database, policy):
    from server.clubs import service as clubs

    with database.write() as session:
        return clubs.create(session, person_by_username(session, "admin1"), clubs.ClubInput(
            name="羽毛球俱乐部", lead_id=person_by_username(session, "member2").id, join_policy=policy)).id


def test_club_join_requested_reaches_its_lead_and_the_decision_the_person(database, world):
    from server.clubs import service as clubs

    club_id = _club(database, ClubJoinPolicy.approval)
    with database.write() as session:
        clubs.join(session, person_by_username(session, "member1"), club_id)
    assert notified(database, "club.join_requested") == {"member2"}
    with database.write() as session:
        member1 = person_by_username(session, "member1")
        clubs.decide(session, person_by_username(session, "member2"), club_id, member1.id, approve=True)
    assert notified(database, "club.join_decided") == {"member1"}


def test_an_open_club_asks_no_lead(database, world):
    from server.clubs import service as clubs

    club_id = _club(database, ClubJoinPolicy.open)
    with database.write() as session:
        clubs.join(session, person_by_username(session, "member1"), club_id)
    assert notified(database, "club.join_requested") == set()


def _activity(database, capacity=1):
    from server.activities import service as activities
    from tests.activities.helpers import NOW, Programme, fields

    with database.write() as session:
        organiser = person_by_username(session, "lead1")
        programme = Programme(department_id=organiser.department_id)
        return activities.create(session, organiser, fields(programme, capacity=capacity), now=NOW).id


def test_activity_sign_up_waiting_promotion_change_and_cancellation(database, world):
    from server.activities import service as activities
    from tests.activities.helpers import NOW

    activity_id = _activity(database, capacity=1)
    with database.write() as session:
        activities.sign_up(session, person_by_username(session, "member1"), activity_id, now=NOW)
        activities.sign_up(session, person_by_username(session, "member2"), activity_id, now=NOW)
    assert notified(database, "activity.signed_up") == {"member1"}
    assert notified(database, "activity.waiting") == {"member2"}
    with database.write() as session:
        activities.cancel_signup(session, person_by_username(session, "member1"), activity_id, now=NOW)
    assert notified(database, "activity.promoted") == {"member2"}
    with database.write() as session:
        activities.cancel(session, person_by_username(session, "lead1"), activity_id, now=NOW)
    assert notified(database, "activity.cancelled") == {"member2"}


def test_activity_changed_reaches_those_signed_up(database, world):
    from server.activities import service as activities
    from tests.activities.helpers import NOW, Programme, fields

    activity_id = _activity(database, capacity=5)
    with database.write() as session:
        activities.sign_up(session, person_by_username(session, "member1"), activity_id, now=NOW)
    with database.write() as session:
        lead = person_by_username(session, "lead1")
        data = fields(Programme(department_id=lead.department_id), capacity=10)
        activities.update(session, lead, activity_id, data, now=NOW)
    assert notified(database, "activity.changed") == {"member1"}


# --- checked again when sent ------------------------------------------------------------------------
def test_someone_who_left_the_department_no_longer_receives(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 2})
    ctx = {"department_id": world.departments["union"].id, "request_id": req.id}
    with database.write() as session:
        staff1 = person_by_username(session, "staff1")
        assert recipients.still_receives(session, staff1.id, recipients.Audience.department_staff, ctx)
        staff1.department_id = world.departments["care"].id
        session.flush()
        assert not recipients.still_receives(session, staff1.id, recipients.Audience.department_staff, ctx)
        staff2 = person_by_username(session, "staff2")
        staff2.active = False
        session.flush()
        assert not recipients.still_receives(session, staff2.id, recipients.Audience.department_staff, ctx)
        assert set(recipients.recipients(session, "new_task", ctx)) == {person_by_username(session, "lead1").id}
        assert notifications.emit(session, "new_task", ctx=ctx, params={}) == 1


def test_a_role_taken_away_is_checked_too(database, world):
    with database.write() as session:
        newcomer = create_person(session, "dispatcher2", Role.dispatcher)
        assert recipients.still_receives(session, newcomer.id, recipients.Audience.dispatchers, {})
        newcomer.role_rows.clear()
        session.flush()
        assert not recipients.still_receives(session, newcomer.id, recipients.Audience.dispatchers, {})


# --- the conversation on a request --------------------------------------------------------------------
def _post(database, username, number, text, *, internal=False):
    from server.requests import repository
    from server.requests import service as request_service

    with database.write() as session:
        person = person_by_username(session, username)
        request = repository.get_visible(session, person, number)
        request_service.post_message(session, person, request, text, internal=internal)


def test_the_requesters_message_reaches_the_handler_or_while_unassigned_the_staff(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 2})
    _post(database, "member1", req.number, "在几楼？")
    assert notified(database, "message_posted") == {"staff1", "staff2", "lead1"}
    act(database, "staff2", req.number, A.claim)
    _post(database, "member1", req.number, "我在 3 楼")
    with database.read() as session:
        rows = session.scalars(select(Notification).where(Notification.event_type == "message_posted")
                               .order_by(Notification.id)).all()
        assert session.get(Person, rows[-1].person_id).username == "staff2" and len(rows) == 4


def test_the_enterprise_contacts_message_reaches_the_handler_not_the_requester(database, world):
    """contact1 writes for member1's enterprise: that is the requester's side speaking."""
    req = claimed(database, "staff1")
    _post(database, "contact1", req.number, "我是企业联系人")
    assert notified(database, "message_posted") == {"staff1"}
    assert notified(database, "message_for_requester") == set()


def test_staffs_public_message_reaches_the_requester(database, world):
    req = claimed(database, "staff1")
    _post(database, "staff1", req.number, "请带身份证")
    assert notified(database, "message_for_requester") == {"member1"}


def test_a_note_for_staff_only_never_reaches_the_requester(database, world):
    req = claimed(database, "staff1")
    _post(database, "staff1", req.number, "内部：材料不全", internal=True)
    assert notified(database, "message_internal") == {"staff2", "lead1"}
    assert notified(database, "message_for_requester") == set()


def test_room_unavailable_reaches_the_organiser(database, world):
    with database.write() as session:
        lead = person_by_username(session, "lead1")
        assert notifications.emit(session, "activity.room_unavailable", ctx={"person_id": lead.id},
                                  params={"title": "主题党日"}, link="/activities/1") == 1
    assert notified(database, "activity.room_unavailable") == {"lead1"}
