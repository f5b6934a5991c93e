"""The home page per role: what each finds there, that it never shows what their own lists
would not (another enterprise's or department's requests), and its fixed query count."""

from __future__ import annotations

import re
from datetime import timedelta

from server.enums import Action, Role
from server.models import utcnow
from tests.requests.helpers import act, submit
from tests.requests.pages.worklist_support import section


def _completed(database, username: str) -> str:
    number = submit(database, username, "union.join", answers={"people": 2}).number
    act(database, "staff1", number, Action.claim)
    act(database, "staff1", number, Action.complete, note="已办好")
    return number


def test_a_member_sees_open_requests_and_those_to_rate(as_user, database):
    waiting = submit(database, "member1", "legal.aid").number
    to_rate = _completed(database, "member1")
    theirs = submit(database, "member2", "legal.aid").number
    their_done = _completed(database, "member2")
    page = as_user("member1").get("/", follow_redirects=False)
    assert page.status_code == 200
    open_part = section(page.text, "home-open")
    rate_part = section(page.text, "home-to-rate")
    assert waiting in open_part and to_rate not in open_part
    assert f'href="/requests/{to_rate}#act-{to_rate}-rate"' in rate_part and "去评价" in rate_part
    assert theirs not in page.text and their_done not in page.text
    # The link lands on the rating form of the request page.
    assert f'id="act-{to_rate}-rate"' in as_user("member1").get(f"/requests/{to_rate}").text


def test_a_contact_sees_only_what_they_filed_never_another_enterprise(as_user, database):
    own = submit(database, "contact1", "legal.aid").number
    other_enterprise = submit(database, "contact2", "legal.aid").number
    other_done = _completed(database, "member2")
    page = as_user("contact1").get("/").text
    assert own in section(page, "home-open")
    assert other_enterprise not in page and other_done not in page


def test_staff_see_their_overdue_and_due_soon_tasks_and_the_desk(as_user, database):
    long_ago = utcnow() - timedelta(days=40)
    late = submit(database, "member1", "union.join", answers={"people": 2}, now=long_ago).number
    act(database, "staff1", late, Action.claim, now=long_ago)
    fresh = submit(database, "member1", "union.join", answers={"people": 2}).number
    act(database, "staff1", fresh, Action.claim)
    # Another department's overdue task (legal hands tasks out in turn): never on a union
    # worker's home, always on its holder's.
    elsewhere = submit(database, "member2", "legal.aid", now=long_ago).number
    page = as_user("staff1").get("/", follow_redirects=False)
    assert page.status_code == 200
    tasks = section(page.text, "home-tasks")
    assert late in tasks and "chip-flag-red" in tasks
    assert fresh not in tasks  # days left: neither overdue nor due soon
    assert 'href="/desk"' in tasks
    assert elsewhere not in page.text
    holders = [section(as_user(u).get("/").text, "home-tasks") for u in ("staff3", "staff4")]
    assert sum(elsewhere in tasks for tasks in holders) == 1


def test_a_worker_with_nothing_urgent_is_told_so(as_user):
    tasks = section(as_user("staff2").get("/").text, "home-tasks")
    assert "没有逾期或临期的任务" in tasks


def test_a_dispatcher_sees_the_waiting_counts_linked_to_the_board(as_user, database):
    submit(database, "member1", "misc.other")
    submit(database, "member2", "misc.other")
    sent_back = submit(database, "member1", "union.join", answers={"people": 2}).number
    act(database, "staff1", sent_back, Action.return_, note="不归我们管")
    submit(database, "member1", "legal.aid")  # routed: not waiting
    part = section(as_user("dispatcher1").get("/", follow_redirects=False).text, "home-dispatch")
    counts = dict(re.findall(r'<a href="(/dispatch#board-\w+)"><strong class="home-count">(\d+)</strong>', part))
    assert counts == {"/dispatch#board-new": "2", "/dispatch#board-returned": "1"}
    board = as_user("dispatcher1").get("/dispatch").text
    assert 'id="board-new"' in board and 'id="board-returned"' in board


def test_a_supervisor_still_lands_on_the_dashboard(as_user):
    response = as_user("supervisor1").get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/supervision"


def test_several_roles_see_each_section(signed_in):
    page = signed_in(Role.dispatcher, Role.supervisor).get("/", follow_redirects=False)
    assert page.status_code == 200
    assert 'id="home-dispatch"' in page.text and 'id="home-figures"' in page.text
    assert "全中心，近 30 天" in page.text and 'href="/supervision?' in page.text
    assert 'id="home-tasks"' not in page.text and 'id="home-open"' not in page.text


def test_the_home_runs_a_fixed_number_of_queries(signed_in, database, count_queries, world):
    client = signed_in(Role.member, Role.staff, Role.dispatcher, username="many")

    def file(times: int) -> None:
        for _ in range(times):
            submit(database, "many", "legal.aid", contact_phone="13800138000")
            submit(database, "many", "misc.other", contact_phone="13800138000")

    file(1)
    client.get("/")  # warm the catalogue snapshot
    with count_queries(database) as few:
        client.get("/")
    file(6)
    with count_queries(database) as many:
        page = client.get("/").text
    assert page.count('class="home-row"') >= 5
    assert many.count == few.count, many
    # session, person; the finder's two lists (by who may see); the desk's tasks; the
    # board's counts; catalogue check and names.
    assert many.count <= 7, many
