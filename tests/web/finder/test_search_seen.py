"""What the finder's search among what one sees stands on (migration …_search_among_what_one_sees):
request_search's copies of who sees a request stay equal to service_request's through every
action that changes them, on both databases; and "what they hold" counts only outside one's
own department (server/policy.py) without anyone seeing less than ``can_see`` lets them."""

from __future__ import annotations

from sqlalchemy import select, update

from server import policy
from server.enums import Action as A
from server.models import Person, RequestSearch, ServiceRequest
from server.requests import finder, search
from tests.requests.helpers import act, submit


def _copies(database) -> dict[int, tuple]:
    with database.read() as session:
        copied = {row[0]: tuple(row[1:]) for row in session.execute(select(
            RequestSearch.request_id, *(getattr(RequestSearch, c) for c in search.SEEN_COPIES)))}
        actual = {row[0]: tuple(row[1:]) for row in session.execute(select(
            ServiceRequest.id, *(getattr(ServiceRequest, c) for c in search.SEEN_COPIES)))}
    assert copied == actual
    return copied


def test_the_copies_follow_every_change_of_who_sees_a_request(database, world):
    req = submit(database, "member1", "misc.other", description="复印机卡纸")
    _copies(database)
    act(database, "dispatcher1", req.number, A.dispatch, department_code="union")
    act(database, "staff1", req.number, A.claim)
    act(database, "lead1", req.number, A.add_cohandler, department_code="care")
    copies = _copies(database)
    assert copies[req.id][:2] == (world.departments["union"].id, world.departments["care"].id)
    act(database, "staff1", req.number, A.release, note="下周休假")
    act(database, "dispatcher1", req.number, A.transfer, department_code="legal", note="法律问题")
    assert _copies(database)[req.id][0] == world.departments["legal"].id
    act(database, "staff3", req.number, A.release, note="不归我管")
    act(database, "staff3", req.number, A.return_, note="不是我们的事")
    assert _copies(database)[req.id][0] is None
    # The search finds it for the department that has it now, and no longer for the one before.
    act(database, "dispatcher1", req.number, A.dispatch, department_code="union")
    with database.read() as session:
        found = {username: [r.number for r in finder.find(session, _person(session, username), finder.Filters(q="复印机")).rows]
                 for username in ("lead1", "staff3")}
    assert found == {"lead1": [req.number], "staff3": []}


def _person(session, username: str) -> Person:
    person = session.scalar(select(Person).where(Person.username == username))
    person.roles  # noqa: B018 - loaded while the session is open
    return person


def test_what_someone_holds_outside_their_department_is_still_theirs(database, world):
    held = submit(database, "member1", "union.join", description="会员卡补办", answers={"people": 1})
    other = submit(database, "member2", "union.join", description="会员卡补办", answers={"people": 2})
    act(database, "staff1", held.number, A.claim)
    with database.write() as session:  # staff1 moves to legal and still holds the union's request
        session.execute(update(Person).where(Person.username == "staff1").values(department_id=world.departments["legal"].id))
    with database.read() as session:
        staff1 = _person(session, "staff1")
        every = session.scalars(select(ServiceRequest)).all()
        seen = {r.number for r in every if policy.can_see(staff1, r)}
        assert held.number in seen and other.number not in seen
        # The policy's SQL says what can_see says, and the finder lists exactly that, with and
        # without a text.
        assert set(session.scalars(select(ServiceRequest.number).where(policy.visibility_filter(staff1)))) == seen
        assert {r.number for r in finder.find(session, staff1, finder.Filters()).rows} == seen
        assert [r.number for r in finder.find(session, staff1, finder.Filters(q="会员卡")).rows] == [held.number]
        # Inside their department, what they hold comes through the department's clause alone.
        lead1 = _person(session, "lead1")
        assert {r.number for r in finder.find(session, lead1, finder.Filters(q="会员卡")).rows} == {held.number, other.number}
