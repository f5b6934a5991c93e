"""The conversation on a request 沟通留言: messages are history, never a transition."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server import policy
from server.accounts.people_repository import person_by_username
from server.enums import Action, RequestStatus
from server.errors import Forbidden, InvalidInput
from server.models import IdempotencyKey, RequestEvent, ServiceRequest
from server.open311 import repository as open311_repository
from server.requests import messages, presenters, repository, worklists
from server.requests import service as request_service
from tests.requests.helpers import act, load, submit

pytestmark = pytest.mark.db


def post(database, username, number, text, **kwargs):
    def work(session):
        person = person_by_username(session, username)
        request = repository.get_visible(session, person, number)
        posted = request_service.post_message(session, person, request, text, **kwargs)
        return posted.event.id, posted.replayed

    return database.run(work)


def seen_by(database, username, number):
    with database.read() as session:
        person = person_by_username(session, username)
        request = repository.get_visible(session, person, number)
        return [(e.action, e.note) for e in presenters.events(session, person, request)]


def suspended(database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    act(database, "staff1", number, Action.claim)
    act(database, "staff1", number, Action.suspend, note="请带身份证")
    return number


def test_a_reply_to_a_suspended_request_leaves_it_suspended(world, database):
    number = suspended(database)
    before = load(database, number)
    post(database, "member1", number, "身份证已带来")
    after = load(database, number)
    assert (after.status, after.version, after.suspended_at, after.complete_due_at) == (
        RequestStatus.suspended, before.version, before.suspended_at, before.complete_due_at)
    with database.read() as session:
        event = session.scalars(select(RequestEvent).where(RequestEvent.request_id == after.id)
                                .order_by(RequestEvent.id.desc())).first()
    assert (event.action, event.from_status, event.to_status, event.public) == (
        Action.message, RequestStatus.suspended, RequestStatus.suspended, True)
    # Only the handler resumes the clock.
    act(database, "staff1", number, Action.resume)
    assert load(database, number).status == RequestStatus.claimed


def test_the_requesters_latest_reply_reaches_the_handlers_row(world, database):
    number = suspended(database)
    post(database, "member1", number, "几楼?")
    post(database, "staff1", number, "三楼")  # staff's own message is not the requester's reply
    post(database, "member1", number, "我在三楼等")
    with database.read() as session:
        request = repository.get_visible(session, person_by_username(session, "staff1"), number)
        replies = worklists.requester_replies(session, [request])
    assert replies[request.id].note == "我在三楼等"


def test_the_requesters_enterprise_contact_writes_on_the_requesters_side(world, database):
    """contact1 speaks for member1's enterprise E1: their message is the reply the handler's row
    shows, on the list's state (its ETag) as on the row; a staff message after it is not."""
    number = suspended(database)

    post(database, "contact1", number, "我是企业联系人：他明天来")
    post(database, "staff1", number, "好的")
    with database.read() as session:
        request = repository.get_visible(session, person_by_username(session, "staff1"), number)
        replies = worklists.requester_replies(session, [request])
        reply_id = session.scalar(select(worklists.STATE[-1]).where(ServiceRequest.id == request.id))
        contacts = session.scalar(select(RequestEvent.id).where(RequestEvent.note == "我是企业联系人：他明天来"))
    assert replies[request.id].note == "我是企业联系人：他明天来"
    assert reply_id == contacts


@pytest.mark.parametrize(("username", "side"), [("member1", True), ("contact1", True), ("staff1", False),
                                                ("lead1", False), ("supervisor1", False)])
def test_the_requesters_side_is_one_rule_in_python_and_sql(world, database, username, side):
    number = suspended(database)
    post(database, username, number, "一句话")
    with database.read() as session:
        person = person_by_username(session, username)
        request = repository.get_visible(session, person, number)
        event = session.scalars(select(RequestEvent).where(RequestEvent.request_id == request.id)
                                .order_by(RequestEvent.id.desc())).first()
        in_sql = session.scalar(select(messages.from_requester_side()).select_from(RequestEvent)
                                .join(ServiceRequest, ServiceRequest.id == RequestEvent.request_id)
                                .where(RequestEvent.id == event.id))
    assert policy.on_requester_side(person, request) is side
    assert bool(in_sql) is side


def test_an_internal_message_is_for_staff_only(world, database):
    number = suspended(database)
    post(database, "staff1", number, "内部：此人上次未到场", internal=True)
    assert ("message", "内部：此人上次未到场") in seen_by(database, "lead1", number)
    assert ("message", "内部：此人上次未到场") in seen_by(database, "supervisor1", number)
    assert all("内部" not in note for _action, note in seen_by(database, "member1", number))
    with pytest.raises(Forbidden):
        post(database, "member1", number, "我也要内部", internal=True)


def test_messages_never_become_open311_status_notes(world, database):
    number = suspended(database)
    post(database, "member1", number, "我的身份证号 110101199001011234")
    post(database, "staff1", number, "内部备注", internal=True)
    request = load(database, number)
    with database.read() as session:
        notes = open311_repository.latest_public_notes(session, [request.id])
    assert notes[request.id] == "请带身份证"


def test_whoever_may_not_see_the_request_may_not_write(world, database):
    number = suspended(database)

    def work(session):
        stranger = person_by_username(session, "member2")
        request = repository.get_visible(session, person_by_username(session, "member1"), number)
        request_service.post_message(session, stranger, request, "hello")

    with pytest.raises(Forbidden):
        database.run(work)


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_an_empty_or_long_message_is_refused(world, database, text):
    number = suspended(database)
    with pytest.raises(InvalidInput) as caught:
        post(database, "member1", number, text)
    assert "text" in caught.value.errors


def test_the_same_one_time_key_posts_once(world, database):
    number = suspended(database)
    first = post(database, "member1", number, "谢谢", idempotency_key="k-1")
    again = post(database, "member1", number, "谢谢", idempotency_key="k-1")
    assert again == (first[0], True) and first[1] is False
    with pytest.raises(InvalidInput):
        post(database, "member1", number, "另一句", idempotency_key="k-1")
    with database.read() as session:
        count = session.scalar(select(func.count()).select_from(RequestEvent).where(RequestEvent.action == Action.message))
        keys = session.scalar(select(func.count()).select_from(IdempotencyKey))
    assert (count, keys) == (1, 1)
