"""The visits service: logging visits, needs filed as requests through the one submission path,
the plan with its due dates, and who may do and see what."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from server.accounts.people_repository import person_by_username
from server.enums import Action, RequestStatus
from server.errors import Forbidden, InvalidInput, NotFound
from server.models import Enterprise, RequestEvent, Visit, VisitNeed
from server.visits import repository
from server.visits import service as visit_service
from server.visits.rules import Standing
from tests.requests.helpers import act, submit
from tests.visits.helpers import enterprise_id, file_need, person_id, record, set_plan


def test_a_visit_is_logged_with_the_staff_who_went(database, world):
    visit = record(database, "staff1", staff=("staff1", "lead1"), topics="党建、工会", follow_ups="下月回访")
    with database.read() as session:
        stored = session.get(Visit, visit.id)
        assert stored.met_with == "总经理" and stored.topics == "党建、工会" and stored.follow_ups == "下月回访"
        assert stored.created_by_id == person_id(database, "staff1")
        names = [p.username for p in repository.staff_of(session, [visit.id])[visit.id]]
    assert sorted(names) == ["lead1", "staff1"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"met_with": ""}, "met_with"),
    ({"findings": " "}, "findings"),
    ({"on": date(2099, 1, 1)}, "visited_on"),
    ({"on": date(1999, 1, 1)}, "visited_on"),
    ({"staff": ()}, "staff_ids"),
    ({"staff": ("member1",)}, "staff_ids"),
    ({"topics": "x" * 501}, "topics"),
    ({"findings": "a\x00b"}, "findings"),
])
def test_bad_visits_are_refused_at_their_field(database, world, fields, field):
    with pytest.raises(InvalidInput) as err:
        record(database, "staff1", **fields)
    assert field in err.value.errors


def test_an_inactive_enterprise_gets_no_visit(database, world):
    with database.write() as session:
        session.scalar(select(Enterprise).where(Enterprise.name == "二号企业")).active = False
    with pytest.raises(InvalidInput) as err:
        record(database, "staff1", "二号企业")
    assert "enterprise_id" in err.value.errors


def test_only_the_responsible_department_logs_visits(database, world):
    set_plan(database, "admin1", "一号企业", responsible_department_id=world.departments["legal"].id)
    with pytest.raises(Forbidden):
        record(database, "staff1")  # union
    assert record(database, "staff3", staff=("staff3",)).id  # legal
    assert record(database, "dispatcher1", staff=("staff3",)).id  # overseers log any
    with pytest.raises(Forbidden):
        record(database, "contact1")
    with pytest.raises(Forbidden):
        record(database, "member1")


def test_a_need_becomes_a_request_of_the_enterprise_through_the_submission(database, world):
    visit = record(database, "staff1")
    request = file_need(database, "staff1", visit.id)
    assert request.requester_id == person_id(database, "contact1")
    assert request.enterprise_id == enterprise_id(database, "一号企业")
    # Routing, numbering and limits of the one submission path.
    assert request.status == RequestStatus.dispatched and request.department_id == world.departments["union"].id
    assert request.number.startswith("LX-") and request.claim_due_at is not None
    with database.read() as session:
        first = session.scalars(select(RequestEvent).where(RequestEvent.request_id == request.id)
                                .order_by(RequestEvent.id)).first()
        assert first.action == Action.submit and first.actor_id == person_id(database, "staff1")
        assert first.data == {"filed_by": "staff1", "visit": {"id": visit.id, "on": "2026-11-20", "enterprise": "一号企业"}}
        assert session.scalar(select(VisitNeed.visit_id).where(VisitNeed.request_id == request.id)) == visit.id
        assert [r.id for r in repository.needs_of(session, [visit.id])[visit.id]] == [request.id]


def test_the_contact_rates_a_request_filed_from_a_visit(database, world):
    visit = record(database, "staff1")
    request = file_need(database, "staff1", visit.id)
    act(database, "staff1", request.number, Action.claim)
    act(database, "staff1", request.number, Action.complete, note="已办理入会")
    closed = act(database, "contact1", request.number, Action.rate, rating="satisfied")
    assert closed.status == RequestStatus.closed


def test_the_service_must_be_orderable_by_the_contact(database, world):
    visit = record(database, "staff1")
    # contact2's enterprise (二号企业): contact2 is a contact only, "union.join" is open to both.
    with pytest.raises(InvalidInput):
        file_need(database, "staff1", visit.id, "no.such.service")
    with pytest.raises(InvalidInput) as err:
        file_need(database, "staff1", visit.id, answers={"people": 0})
    assert "answers.people" in err.value.errors


def test_an_enterprise_without_a_contact_gets_a_clear_refusal(database, world):
    with database.write() as session:
        session.add(Enterprise(name="三号企业"))
    visit = record(database, "staff1", "三号企业")
    with pytest.raises(InvalidInput) as err:
        file_need(database, "staff1", visit.id)
    assert "contact" in err.value.message


def test_only_who_may_log_a_visit_files_its_needs(database, world):
    visit = record(database, "staff1")
    with pytest.raises((Forbidden, NotFound)):
        file_need(database, "contact1", visit.id)
    set_plan(database, "admin1", "一号企业", responsible_department_id=world.departments["legal"].id)
    with pytest.raises(Forbidden):
        file_need(database, "staff1", visit.id)  # staff1 went, but union is no longer responsible


def test_who_sees_which_visits_in_sql_and_python_alike(database, world):
    set_plan(database, "admin1", "一号企业", responsible_department_id=world.departments["union"].id)
    v1 = record(database, "staff1", staff=("staff1",))
    v2 = record(database, "dispatcher1", "二号企业", staff=("staff5",))
    expected = {
        "staff1": {v1.id}, "staff2": {v1.id}, "lead1": {v1.id}, "staff5": {v2.id}, "staff6": set(),
        "staff3": set(), "contact1": {v1.id}, "contact2": {v2.id}, "member1": set(),
        "dispatcher1": {v1.id, v2.id}, "supervisor1": {v1.id, v2.id}, "admin1": {v1.id, v2.id},
    }
    with database.read() as session:
        visits = list(session.scalars(select(Visit)))
        for username, ids in expected.items():
            person = person_by_username(session, username)
            listed = {v.id for v in repository.visits_page(session, person).rows}
            assert listed == ids, username
            python = set()
            for v in visits:
                plan = repository.plan_for(session, v.enterprise_id)
                staff = {p.id for p in repository.staff_of(session, [v.id])[v.id]}
                if repository.can_see(person, v, plan, staff):
                    python.add(v.id)
            assert python == ids, username
    with database.read() as session, pytest.raises(NotFound):
        visit_service.get_visit(session, person_by_username(session, "staff3"), v1.id)


def test_the_plan_lists_overdue_first_and_staff_see_their_departments(database, world):
    today = date(2026, 12, 2)
    with database.write() as session:
        session.add(Enterprise(name="三号企业"))
    set_plan(database, "admin1", "一号企业", frequency="monthly", responsible_department_id=world.departments["union"].id)
    set_plan(database, "admin1", "二号企业", frequency="yearly", responsible_department_id=world.departments["legal"].id)
    set_plan(database, "admin1", "三号企业", starts_on="2027-01-15")
    record(database, "staff1", on=date(2026, 10, 20))  # 一号: due 2026-11-20, overdue
    record(database, "staff3", "二号企业", on=date(2026, 1, 5), staff=("staff3",))  # due 2027-01-05
    with database.read() as session:
        lines = visit_service.plan_lines(session, person_by_username(session, "supervisor1"), on=today)
        assert [(x.enterprise.name, x.due, x.standing) for x in lines] == [
            ("一号企业", date(2026, 11, 20), Standing.overdue),
            ("二号企业", date(2027, 1, 5), Standing.later),
            ("三号企业", date(2027, 1, 15), Standing.later),
        ]
        legal = visit_service.plan_lines(session, person_by_username(session, "staff3"), on=today)
        assert [x.enterprise.name for x in legal] == ["二号企业"]
        narrowed = visit_service.plan_lines(session, person_by_username(session, "staff3"), on=today,
                                            department_id=world.departments["union"].id)
        assert [x.enterprise.name for x in narrowed] == ["二号企业"]  # staff cannot look at others'
        with pytest.raises(Forbidden):
            visit_service.plan_lines(session, person_by_username(session, "contact1"), on=today)


def test_the_default_frequency_comes_from_the_settings(database, world, monkeypatch):
    record(database, "staff1", on=date(2026, 10, 20))
    with database.read() as session:
        person = person_by_username(session, "admin1")
        [line] = [x for x in visit_service.plan_lines(session, person, on=date(2026, 12, 2)) if x.enterprise.name == "一号企业"]
        assert line.frequency_months == 3 and line.due == date(2027, 1, 20)
    monkeypatch.setenv("LIANXIN_VISIT_DEFAULT_FREQUENCY", "monthly")
    from server.config import get_settings
    get_settings.cache_clear()
    try:
        with database.read() as session:
            person = person_by_username(session, "admin1")
            [line] = [x for x in visit_service.plan_lines(session, person, on=date(2026, 12, 2)) if x.enterprise.name == "一号企业"]
            assert line.due == date(2026, 11, 20) and line.standing == Standing.overdue
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(("fields", "field"), [
    ({"frequency": "weekly"}, "frequency"),
    ({"frequency": "0"}, "frequency"),
    ({"responsible_department_id": 999999}, "responsible_department_id"),
    ({"starts_on": "tomorrow"}, "starts_on"),
    ({"note": "x" * 501}, "note"),
])
def test_bad_plans_are_refused_at_their_field(database, world, fields, field):
    with pytest.raises(InvalidInput) as err:
        set_plan(database, "admin1", "一号企业", **fields)
    assert field in err.value.errors


def test_a_responsible_person_must_be_staff(database, world):
    with pytest.raises(InvalidInput) as err:
        set_plan(database, "admin1", "一号企业", responsible_person_id=person_id(database, "member1"))
    assert "responsible_person_id" in err.value.errors
    plan = set_plan(database, "admin1", "一号企业", responsible_person_id=person_id(database, "staff1"), frequency="每季度")
    assert plan.frequency_months == 3


def test_only_dispatchers_and_admins_change_the_plan(database, world):
    for username in ("staff1", "lead1", "supervisor1", "contact1"):
        with pytest.raises(Forbidden):
            set_plan(database, username, "一号企业", frequency="monthly")
    assert set_plan(database, "dispatcher1", "一号企业", frequency="monthly").frequency_months == 1


@pytest.fixture
def visit_service_code(monkeypatch):
    """The menu's "enterprise visit" service is the world's ``ent.only`` (enterprises only)."""
    from server.config import get_settings

    monkeypatch.setenv("LIANXIN_VISIT_REQUEST_SERVICE", "ent.only")
    get_settings.cache_clear()
    yield "ent.only"
    get_settings.cache_clear()


def _line(database, name, on):
    with database.read() as session:
        person = person_by_username(session, "admin1")
        return next(x for x in visit_service.plan_lines(session, person, on=on) if x.enterprise.name == name)


def test_accepting_an_enterprises_visit_request_puts_it_on_the_plan(database, world, visit_service_code):
    record(database, "staff1", on=date(2026, 11, 2))  # due 2027-02-02 by the quarterly default
    asked = submit(database, "contact1", visit_service_code, now=datetime(2026, 11, 25, 2, tzinfo=UTC))
    assert _line(database, "一号企业", date(2026, 12, 2)).due == date(2027, 2, 2)  # not accepted yet
    act(database, "staff1", asked.number, Action.claim, now=datetime(2026, 11, 26, 2, tzinfo=UTC))
    line = _line(database, "一号企业", date(2026, 12, 2))
    # Accepted on 26 November with no date asked for: due that day, so overdue on 2 December.
    assert line.due == date(2026, 11, 26) and line.standing == Standing.overdue
    assert line.requested is not None and line.requested.number == asked.number
    record(database, "staff1", on=date(2026, 11, 30))  # the visit happened: back to the cycle
    line = _line(database, "一号企业", date(2026, 12, 2))
    assert line.requested is None and line.due == date(2027, 2, 28)


def test_of_several_accepted_requests_the_plan_shows_the_newest(database, world, visit_service_code):
    record(database, "staff1", on=date(2026, 11, 2))
    first = submit(database, "contact1", visit_service_code, now=datetime(2026, 11, 20, 2, tzinfo=UTC))
    second = submit(database, "contact1", visit_service_code, now=datetime(2026, 11, 21, 2, tzinfo=UTC))
    act(database, "staff1", second.number, Action.claim, now=datetime(2026, 11, 24, 2, tzinfo=UTC))
    act(database, "staff1", first.number, Action.claim, now=datetime(2026, 11, 26, 2, tzinfo=UTC))
    line = _line(database, "一号企业", date(2026, 12, 2))
    assert line.requested.number == first.number  # accepted last
    assert line.due == date(2026, 11, 26)


def test_a_cancelled_or_unclaimed_request_leaves_the_plan_alone(database, world, visit_service_code):
    record(database, "staff1", on=date(2026, 11, 2))
    asked = submit(database, "contact1", visit_service_code, now=datetime(2026, 11, 25, 2, tzinfo=UTC))
    act(database, "contact1", asked.number, Action.cancel)
    assert _line(database, "一号企业", date(2026, 12, 2)).requested is None


def test_the_date_the_enterprise_asked_for_is_the_due_date(database, world, monkeypatch):
    from server.config import get_settings
    from server.enums import FieldType
    from server.models import Category, ServiceField
    from tests.factories import create_service

    with database.write() as session:
        category = session.scalar(select(Category))
        create_service(session, "visit.ask", category, None, fields=[
            ServiceField(code="preferred_on", type=FieldType.date, label={"en": "Preferred date"}, position=1)])
    monkeypatch.setenv("LIANXIN_VISIT_REQUEST_SERVICE", "visit.ask")
    get_settings.cache_clear()
    try:
        record(database, "staff1", on=date(2026, 11, 2))
        asked = submit(database, "contact1", "visit.ask", answers={"preferred_on": "2026-12-18"})
        act(database, "dispatcher1", asked.number, Action.dispatch, department_code="union")
        act(database, "staff1", asked.number, Action.claim)
        line = _line(database, "一号企业", visit_service.today())
        assert line.requested_on == date(2026, 12, 18) and line.due == date(2026, 12, 18)
    finally:
        get_settings.cache_clear()
