"""The request service: submission, every action's effects, who may act, routing, due times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from server.enums import Action as A
from server.enums import RequestStatus as S
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.models import RequestRating, ServiceRequest
from server.requests import service as request_service
from tests.requests.helpers import act, events, load, submit

# Thursday 2026-11-26 10:00 in Shanghai.
THU_10 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def claimed(database, number="", *, by="staff1"):
    req = load(database, number)
    return act(database, by, req.number, A.claim)


def test_routed_submission_is_dispatched_by_the_system(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 3, "kind": "new"}, now=THU_10)
    assert re.fullmatch(r"LX-20261126-\d{4}", req.number)
    assert req.status == S.dispatched
    assert req.department_id == world.departments["union"].id
    assert events(database, req.number) == [("submit", None, "submitted"), ("dispatch", "submitted", "dispatched")]
    # Working time: 4 working hours from Thursday 10:00 (lunch 12–13) is 15:00; 5 working days
    # from Thursday 10:00 is the next Thursday 10:00.
    assert req.claim_due_at == datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    assert req.complete_due_at == datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def test_unrouted_submission_waits_for_a_dispatcher(database, world):
    req = submit(database, "member1", "misc.other")
    assert req.status == S.submitted and req.department_id is None
    req = act(database, "dispatcher1", req.number, A.dispatch, department_code="union")
    assert req.status == S.dispatched and req.department_id == world.departments["union"].id
    assert req.claim_due_at is not None


def test_answers_are_validated_per_field_and_snapshotted(database, world):
    with pytest.raises(InvalidInput) as err:
        submit(database, "member1", "union.join", answers={"people": 0, "kind": "zzz", "bogus": 1}, description=" ")
    assert set(err.value.errors) == {"answers.people", "answers.kind", "answers.bogus", "description"}
    assert str(err.value.errors["answers.people"]) == "At least 1."
    req = submit(database, "member1", "union.join", answers={"people": "7", "kind": "move"})
    by_code = {a["code"]: a for a in req.answers}
    assert by_code["people"]["value"] == 7
    assert by_code["kind"]["value"] == "move"
    assert by_code["kind"]["label"]["zh-Hans"] == "类型"
    assert by_code["kind"]["choices"]["move"]["zh-Hans"] == "转入"


def test_a_boolean_is_not_a_number(database, world):
    with pytest.raises(InvalidInput) as err:
        submit(database, "member1", "union.join", answers={"people": True})
    assert "answers.people" in err.value.errors


def test_required_answers_and_unknown_service(database, world):
    with pytest.raises(InvalidInput) as err:
        submit(database, "member1", "union.join", answers={})
    assert err.value.errors == {"answers.people": "This field is required."}
    with pytest.raises(InvalidInput):
        submit(database, "member1", "no.such.service")


def test_audience_limits_who_may_order(database, world):
    with pytest.raises(Forbidden):
        submit(database, "member1", "ent.only")
    assert submit(database, "contact1", "ent.only").status == S.dispatched


def test_building_defaults_to_the_enterprise_and_floor_is_checked(database, world):
    req = submit(database, "member1", "misc.other")
    assert req.floor == "2" and req.building_id is not None
    with pytest.raises(InvalidInput) as err:
        submit(database, "member1", "misc.other", building_code="A1", floor="99")
    assert "floor" in err.value.errors


def test_bad_phone_is_refused(database, world):
    with pytest.raises(InvalidInput) as err:
        submit(database, "member1", "misc.other", contact_phone="call me")
    assert "contact_phone" in err.value.errors


def test_the_full_loop_claim_complete_rate(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 1})
    req = act(database, "staff1", req.number, A.claim, version=req.version)
    assert req.status == S.claimed and req.assignee_id == world["staff1"].id and req.claimed_at
    req = act(database, "staff1", req.number, A.complete, note="办好了")
    assert req.status == S.completed and req.completed_at
    req = act(database, "member1", req.number, A.rate, rating="basically_satisfied")
    assert req.status == S.closed and req.closed_at
    with database.read() as session:
        rating = session.scalar(select(RequestRating).where(RequestRating.request_id == req.id))
    assert rating.value == "basically_satisfied"
    assert [e[0] for e in events(database, req.number)] == ["submit", "dispatch", "claim", "complete", "rate"]


def test_a_stale_version_is_a_conflict(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 1})
    act(database, "supervisor1", req.number, A.urge, note="快")
    with pytest.raises(Conflict) as err:
        act(database, "staff1", req.number, A.claim, version=req.version)
    assert err.value.extra["current_version"] == req.version + 1


def test_second_claim_is_a_conflict_naming_the_holder(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 1})
    act(database, "staff1", req.number, A.claim)
    with pytest.raises(Conflict) as err:
        act(database, "staff2", req.number, A.claim)
    assert err.value.extra["current_status"] == "claimed"
    assert err.value.extra["assignee"]["username"] == "staff1"


def test_only_department_staff_may_claim(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 1})
    with pytest.raises(NotFound):  # staff3 is in another department: cannot even see it
        act(database, "staff3", req.number, A.claim)
    with pytest.raises(Forbidden):  # the requester sees it but may not claim
        act(database, "member1", req.number, A.claim)


def test_other_requesters_get_not_found(database, world):
    req = submit(database, "member1", "misc.other")
    with pytest.raises(NotFound):
        act(database, "member2", req.number, A.cancel)
    with pytest.raises(NotFound):  # contact of another enterprise
        act(database, "contact2", req.number, A.cancel)


def test_a_contact_sees_but_cannot_cancel_a_members_request(database, world):
    req = submit(database, "member1", "misc.other")
    with pytest.raises(Forbidden):
        act(database, "contact1", req.number, A.cancel)


def test_notes_are_required_where_the_table_says(database, world):
    req = submit(database, "member1", "misc.other")
    with pytest.raises(InvalidInput):
        act(database, "dispatcher1", req.number, A.reject)
    req = act(database, "dispatcher1", req.number, A.reject, note="不属于服务范围")
    assert req.status == S.rejected and req.closed_at


def test_cancel_before_claim_only(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 1})
    assert act(database, "member1", req.number, A.cancel).status == S.cancelled
    req = submit(database, "member1", "union.join", answers={"people": 1})
    act(database, "staff1", req.number, A.claim)
    with pytest.raises(Conflict):
        act(database, "member1", req.number, A.cancel)


def test_return_goes_back_to_the_dispatcher_and_counts(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 1})
    req = act(database, "staff2", req.number, A.return_, note="不是我们的事")
    assert req.status == S.submitted and req.department_id is None and req.return_count == 1
    req = act(database, "dispatcher1", req.number, A.dispatch, department_code="union")
    assert req.status == S.dispatched


def test_transfer_moves_to_another_department(database, world):
    req = submit(database, "member1", "misc.other")
    act(database, "dispatcher1", req.number, A.dispatch, department_code="union")
    with pytest.raises(InvalidInput):
        act(database, "dispatcher1", req.number, A.transfer, department_code="union", note="x")
    with pytest.raises(InvalidInput):
        act(database, "dispatcher1", req.number, A.transfer, department_code="nowhere", note="x")
    req = act(database, "dispatcher1", req.number, A.transfer, department_code="legal", note="法律问题")
    # legal assigns round-robin, so the transfer lands with a person at once.
    assert req.department_id == world.departments["legal"].id and req.transfer_count == 1
    assert req.status == S.claimed and req.assignee_id == world["staff3"].id


def test_release_returns_to_the_queue(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 1})
    act(database, "staff1", req.number, A.claim)
    with pytest.raises(Forbidden):
        act(database, "staff2", req.number, A.release, note="不是我的")
    # 放弃 says why (the workflow table requires the note), for every door alike.
    with pytest.raises(InvalidInput) as refused:
        act(database, "staff1", req.number, A.release, note="  ")
    assert refused.value.message.startswith("Please say why you are releasing") and "note" in refused.value.errors
    req = act(database, "staff1", req.number, A.release, note="下周休假")
    assert req.status == S.dispatched and req.assignee_id is None


def test_lead_assigns_and_reassigns(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 1})
    with pytest.raises(Forbidden):
        act(database, "staff1", req.number, A.assign, assignee="staff2")
    with pytest.raises(InvalidInput):
        act(database, "lead1", req.number, A.assign, assignee="staff3")  # another department
    req = act(database, "lead1", req.number, A.assign, assignee="staff2")
    assert req.status == S.claimed and req.assignee_id == world["staff2"].id
    req = act(database, "lead1", req.number, A.assign, assignee="staff1")
    assert req.assignee_id == world["staff1"].id


def test_round_robin_takes_turns(database, world):
    assignees = [submit(database, "member1", "legal.aid").assignee_id for _ in range(4)]
    s3, s4 = world["staff3"].id, world["staff4"].id
    assert assignees == [s3, s4, s3, s4]
    assert [e[0] for e in events(database, load(database, submit(database, "member1", "legal.aid").number).number)] == [
        "submit", "dispatch", "assign",
    ]


def test_least_loaded_picks_the_person_with_fewest_open_tasks(database, world):
    first = submit(database, "member1", "care.visit")
    second = submit(database, "member1", "care.visit")
    assert {first.assignee_id, second.assignee_id} == {world["staff5"].id, world["staff6"].id}
    act(database, _username(world, first.assignee_id), first.number, A.complete, note="ok")
    # The one who finished has no open task now, so gets the next one.
    third = submit(database, "member1", "care.visit")
    assert third.assignee_id == first.assignee_id


def _username(world, person_id):
    return next(p.username for p in world.people.values() if p.id == person_id)


def test_suspension_stops_the_clock(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 1}, now=THU_10)
    act(database, "staff1", req.number, A.claim, now=THU_10)
    due = load(database, req.number).complete_due_at
    act(database, "staff1", req.number, A.suspend, note="等材料", now=THU_10 + timedelta(hours=1))
    # Suspended Thursday 11:00, resumed Friday 10:00: 7 working hours passed (11–12, 13–18,
    # 9–10), so the due time moves from Thursday 12-03 10:00 to Thursday 12-03 18:00.
    req = act(database, "staff1", req.number, A.resume, now=THU_10 + timedelta(days=1))
    assert req.status == S.claimed and req.suspended_at is None
    assert req.complete_due_at == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    assert req.complete_due_at > due


def test_extension_is_asked_then_granted(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 1}, now=THU_10)
    act(database, "staff1", req.number, A.claim, now=THU_10)
    with pytest.raises(InvalidInput):
        act(database, "staff1", req.number, A.request_extension, note="需要协调", days=0, now=THU_10)
    req = act(database, "staff1", req.number, A.request_extension, note="需要协调", days=2, now=THU_10)
    assert req.extension_requested_days == 2
    with pytest.raises(Forbidden):
        act(database, "staff1", req.number, A.extend, now=THU_10)
    req = act(database, "dispatcher1", req.number, A.extend, now=THU_10)
    # Due Thursday 12-03 10:00 plus 2 working days = Monday 12-07 10:00.
    assert req.complete_due_at == datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    assert req.extension_requested_days is None


def test_extension_cannot_be_asked_once_overdue(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 1}, now=THU_10)
    act(database, "staff1", req.number, A.claim, now=THU_10)
    with pytest.raises(InvalidInput):
        act(database, "staff1", req.number, A.request_extension, note="晚了", days=1, now=THU_10 + timedelta(days=30))


def test_unsatisfied_rating_needs_a_comment_and_rating_happens_once(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 1})
    act(database, "staff1", req.number, A.claim)
    act(database, "staff1", req.number, A.complete, note="done")
    with pytest.raises(InvalidInput):
        act(database, "member1", req.number, A.rate, rating="unsatisfied")
    with pytest.raises(Forbidden):
        act(database, "staff1", req.number, A.rate, rating="satisfied")
    act(database, "member1", req.number, A.rate, rating="unsatisfied", note="没解决")
    with pytest.raises(Conflict):
        act(database, "member1", req.number, A.rate, rating="satisfied")


def test_rework_sends_it_back_to_the_handler_and_counts(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 1})
    act(database, "staff1", req.number, A.claim)
    act(database, "staff1", req.number, A.complete, note="done")
    req = act(database, "member1", req.number, A.rework, note="还没好")
    assert req.status == S.claimed and req.rework_count == 1 and req.assignee_id == world["staff1"].id
    act(database, "staff1", req.number, A.complete, note="这次好了")
    assert act(database, "member1", req.number, A.rate, rating="satisfied").status == S.closed


def test_unrated_requests_close_after_the_window(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 1}, now=THU_10)
    act(database, "staff1", req.number, A.claim, now=THU_10)
    act(database, "staff1", req.number, A.complete, note="done", now=THU_10)
    assert database.run(lambda s: request_service.close_unrated(s, now=THU_10 + timedelta(days=1))) == 0
    assert database.run(lambda s: request_service.close_unrated(s, now=THU_10 + timedelta(days=8))) == 1
    closed = load(database, req.number)
    assert closed.status == S.closed
    assert events(database, req.number)[-1] == ("auto_close", "completed", "closed")


def test_urge_and_cohandler(database, world):
    req = submit(database, "member1", "union.join", answers={"people": 1})
    with pytest.raises(Forbidden):
        act(database, "member1", req.number, A.urge)
    req = act(database, "supervisor1", req.number, A.urge, note="尽快")
    assert req.urge_count == 1 and req.status == S.dispatched
    act(database, "staff1", req.number, A.claim)
    req = act(database, "lead1", req.number, A.add_cohandler, department_code="legal")
    assert req.cohandler_department_id == world.departments["legal"].id
    # The co-handling department's staff can now see it.
    with database.read() as session:
        from server.accounts.people_repository import person_by_username as get_person_by_username
        from server.requests import repository

        assert repository.get_visible(session, get_person_by_username(session, "staff3"), req.number)


def test_every_change_bumps_the_version(database, world):
    req = submit(database, "member1", "misc.other")
    v = req.version
    req = act(database, "dispatcher1", req.number, A.dispatch, department_code="union")
    assert req.version == v + 1


def test_idempotent_submission(database, world):
    first = submit(database, "member1", "misc.other", key="abc")
    again = submit(database, "member1", "misc.other", key="abc")
    assert again.id == first.id
    with pytest.raises(InvalidInput):
        submit(database, "member1", "misc.other", key="abc", description="另一件事")
    # Keys belong to a person: another person's same key is a new request.
    other = submit(database, "member2", "misc.other", key="abc")
    assert other.id != first.id
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(ServiceRequest)) == 2


def test_tracking_numbers_count_per_local_day(database, world):
    late_evening = datetime(2026, 11, 26, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    a = submit(database, "member1", "misc.other", now=late_evening)
    b = submit(database, "member1", "misc.other", now=late_evening + timedelta(minutes=2))
    c = submit(database, "member1", "misc.other", now=late_evening + timedelta(minutes=3))
    assert (a.number, b.number, c.number) == ("LX-20261126-0001", "LX-20261127-0001", "LX-20261127-0002")


def test_a_staff_only_note_only_where_the_table_allows_it(database, world):
    number = claimed(database, submit(database, "member1", "union.join", answers={"people": 1}).number).number
    with pytest.raises(InvalidInput) as refused:
        act(database, "staff1", number, A.complete, note="结果", internal=True)
    assert set(refused.value.errors) == {"internal"}
    assert load(database, number).status == S.claimed
    act(database, "staff1", number, A.release, note="交接", internal=True)
    assert events(database, number)[-1] == ("release", "claimed", "dispatched")
    with database.read() as session:
        from server.models import RequestEvent

        last = session.scalars(select(RequestEvent).order_by(RequestEvent.id.desc())).first()
    assert last.action == A.release and last.public is False


def test_a_requester_cannot_hide_a_cancellation(database, world):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    with pytest.raises(InvalidInput):
        act(database, "member1", number, A.cancel, internal=True)


def test_may_order_is_checked_once_per_submission(database, world, monkeypatch):
    from server import policy

    calls = []
    real = policy.order_refusal
    monkeypatch.setattr(policy, "order_refusal", lambda person, service: calls.append(service.code) or real(person, service))
    submit(database, "member1", "union.join", answers={"people": 1})
    assert calls == ["union.join"]
    with pytest.raises(Forbidden):
        submit(database, "member1", "ent.only")


def test_a_lost_claim_names_who_holds_it(database, world):
    number = claimed(database, submit(database, "member1", "union.join", answers={"people": 1}).number).number
    with pytest.raises(Conflict) as lost:
        act(database, "staff2", number, A.claim)
    assert lost.value.detail == "Already claimed by Staff1."
    assert lost.value.extra["assignee"]["username"] == "staff1"
