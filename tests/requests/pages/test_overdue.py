"""The overdue list 超时督办 (/supervision/overdue and GET /api/v1/supervision/overdue): order,
scope, and urging many with a note — refused without one, once per form however often it is
sent, and saying which could not be urged and why; the urge then shows at the desk and on the
request page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from server.enums import Action, RequestStatus
from server.models import RequestEvent, utcnow
from server.requests.actions import calendar
from tests.requests.helpers import act, load, submit
from tests.requests.pages import worklist_support
from tests.requests.pages.worklist_support import form_post, section

world = worklist_support.world
as_user = worklist_support.as_user

FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')


def working_days_ago(days: float) -> datetime:
    """The latest moment with ``days`` working days of the centre's calendar between it and now.

    Limits count working time, so "filed 2 days ago" is overdue to claim on a Thursday and not
    on a Monday before office hours (filed on Saturday): these tests failed on some days of the
    week, and would have in holiday weeks. Stepping back by the hour keeps the ages' order."""
    cal, now = calendar(), utcnow()
    moment = now
    while cal.working_seconds_between(moment, now) < days * cal.seconds_per_day:
        moment -= timedelta(hours=1)
    return moment


def late_to_claim(database, days_ago: float, service: str = "union.join"):
    """A request filed ``days_ago`` working days ago and never claimed: overdue to claim."""
    answers = {"people": 1} if service == "union.join" else {}
    return submit(database, "member1", service, answers=answers, now=working_days_ago(days_ago))


def late_to_complete(database, days_ago: float = 20):
    """Filed and claimed ``days_ago`` working days ago (more than the limit to complete)."""
    req = late_to_claim(database, days_ago)
    return act(database, "staff1", req.number, Action.claim, now=working_days_ago(days_ago) + timedelta(minutes=15))


def numbers_in(html: str) -> list[str]:
    return re.findall(r'id="overdue-(LX-[0-9-]+)"', html)


def urge(client, numbers, note="请今天内处理", page=None, kind="claim"):
    page = page if page is not None else client.get(f"/supervision/overdue?kind={kind}").text
    key = FORM_KEY.search(page).group(1)
    return form_post(client, "/supervision/overdue/urge", {"number": numbers, "note": note, "form_key": key, "kind": kind})


def test_overdue_to_claim_oldest_first_and_not_the_ones_in_time(database, as_user):
    middle = late_to_claim(database, 5)
    oldest = late_to_claim(database, 9)
    newest = late_to_claim(database, 2)
    in_time = submit(database, "member1", "union.join", answers={"people": 1})
    page = as_user("supervisor1").get("/supervision/overdue")
    assert page.status_code == 200
    assert numbers_in(page.text) == [oldest.number, middle.number, newest.number]
    assert in_time.number not in page.text
    assert "超时未接单" in page.text and "超时未办结" in page.text
    assert "尚无人接单" in page.text  # no holder yet
    assert "个工作日" in page.text  # how long overdue, in working days


def test_overdue_to_complete_shows_the_holder(database, as_user):
    late = late_to_complete(database)
    claim_tab = as_user("supervisor1").get("/supervision/overdue?kind=claim").text
    assert late.number not in numbers_in(claim_tab)
    page = as_user("supervisor1").get("/supervision/overdue?kind=complete").text
    assert numbers_in(page) == [late.number]
    assert "Staff1" in page  # its holder


def test_keyset_paging(database, as_user, monkeypatch):
    from server.requests import supervision

    monkeypatch.setattr(supervision, "PAGE_SIZE", 2)
    made = [late_to_claim(database, d) for d in (4, 3, 2)]
    client = as_user("supervisor1")
    first = client.get("/supervision/overdue").text
    assert numbers_in(first) == [made[0].number, made[1].number]
    more = re.search(r'href="(/supervision/overdue\?kind=claim&amp;cursor=[^"]+)"', first).group(1).replace("&amp;", "&")
    assert numbers_in(client.get(more).text) == [made[2].number]


def test_a_lead_sees_their_department_only_and_staff_and_members_are_refused(database, as_user):
    union = late_to_claim(database, 5)
    legal = late_to_claim(database, 12, service="legal.aid")  # round-robin: assigned at once, so late to complete
    assert load(database, legal.number).status == RequestStatus.claimed
    lead = as_user("lead1").get("/supervision/overdue").text
    assert numbers_in(lead) == [union.number]
    assert 'name="number"' not in lead  # a lead does not urge
    assert legal.number not in as_user("lead1").get("/supervision/overdue?kind=complete").text
    assert legal.number in as_user("admin1").get("/supervision/overdue?kind=complete").text
    for username in ("staff1", "member1", "dispatcher1"):
        assert as_user(username).get("/supervision/overdue").status_code == 403


def test_the_api_lists_in_the_same_order_and_scope(database, client, world):
    from tests.factories import PASSWORD

    def token(username):
        response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    later = late_to_claim(database, 3)
    earlier = late_to_claim(database, 6)
    assigned = late_to_claim(database, 12, service="legal.aid")  # assigned at once (round-robin): late to complete
    body = client.get("/api/v1/supervision/overdue?kind=claim", headers=token("supervisor1")).json()
    assert [i["number"] for i in body["items"]] == [earlier.number, later.number]
    assert body["items"][0]["overdue_hours"] > body["items"][1]["overdue_hours"] > 0
    assert body["items"][0]["overdue_since"] and body["items"][0]["urge_count"] == 0
    complete = client.get("/api/v1/supervision/overdue?kind=complete", headers=token("supervisor1")).json()["items"]
    # The assigned one is late to complete, with its holder. (The six-working-day-old unclaimed one
    # is too, if its limit to complete is under six working days: not asserted either way.)
    by_number = {i["number"]: i for i in complete}
    assert by_number[assigned.number]["assignee"]["username"] in ("staff3", "staff4")
    assert later.number not in by_number
    # A lead sees only their department's (not legal aid's).
    lead = client.get("/api/v1/supervision/overdue?kind=complete", headers=token("lead1")).json()["items"]
    assert assigned.number not in {i["number"] for i in lead} and set(by_number) >= {i["number"] for i in lead}
    assert client.get("/api/v1/supervision/overdue", headers=token("staff1")).status_code == 403
    assert client.get("/api/v1/supervision/overdue?kind=late", headers=token("supervisor1")).status_code == 422


def test_urge_two_with_a_note(database, as_user):
    a, b, c = (late_to_claim(database, d) for d in (5, 4, 3))
    client = as_user("supervisor1")
    response = urge(client, [a.number, b.number], note="请今天内接单")
    assert response.status_code == 200
    assert "已催办 2 件" in response.text
    assert [load(database, n.number).urge_count for n in (a, b, c)] == [1, 1, 0]
    with database.read() as session:
        notes = session.scalars(select(RequestEvent.note).where(RequestEvent.action == Action.urge)).all()
    assert notes == ["请今天内接单", "请今天内接单"]
    # The list shows the urge on each row.
    assert "被催办 1 次" in response.text


def test_an_empty_note_is_refused_and_nothing_is_urged(database, as_user):
    a = late_to_claim(database, 5)
    response = urge(as_user("supervisor1"), [a.number], note="   ")
    assert response.status_code == 422
    assert "催办时请写明要求。" in response.text
    assert f'value="{a.number}" id="pick-{a.number}" checked' in response.text  # the choice is kept
    assert load(database, a.number).urge_count == 0


def test_nothing_ticked_is_refused(database, as_user):
    late_to_claim(database, 5)
    response = urge(as_user("supervisor1"), [])
    assert response.status_code == 422 and "请至少选择一件工单。" in response.text


def test_a_double_submit_urges_once(database, as_user):
    a = late_to_claim(database, 5)
    client = as_user("supervisor1")
    page = client.get("/supervision/overdue").text
    first = urge(client, [a.number], page=page)
    second = urge(client, [a.number], page=page)  # the same rendered form, sent again
    assert "已催办 1 件" in first.text
    assert second.status_code == 200 and "这份表单已经提交过" in second.text
    assert load(database, a.number).urge_count == 1
    # A fresh rendering is a fresh form: the supervisor may urge again on purpose.
    urge(client, [a.number])
    assert load(database, a.number).urge_count == 2


def test_a_request_finished_since_is_reported_not_dropped(database, as_user):
    a = late_to_complete(database)
    b = late_to_complete(database, 19)
    client = as_user("supervisor1")
    page = client.get("/supervision/overdue?kind=complete").text
    act(database, "staff1", b.number, Action.complete, note="已办好")  # while the supervisor reads the list
    response = urge(client, [a.number, b.number], page=page, kind="complete")
    assert "已催办 1 件" in response.text and "未催办 1 件" in response.text
    failure = re.search(rf'<li><a href="/requests/{b.number}">{b.number}</a> · ([^<]+)</li>', response.text)
    assert failure and "待评价" in failure.group(1)  # why: it is completed, waiting for a rating
    assert load(database, a.number).urge_count == 1 and load(database, b.number).urge_count == 0


def test_the_api_urge_needs_a_note(database, client, world):
    from tests.factories import PASSWORD

    req = late_to_claim(database, 5)
    headers = {"Authorization": "Bearer " + client.post(
        "/api/v1/auth/token", data={"username": "supervisor1", "password": PASSWORD}).json()["access_token"]}
    refused = client.post(f"/api/v1/requests/{req.number}/urge", json={"note": " "}, headers=headers)
    assert refused.status_code == 422 and "note" in refused.json()["errors"]
    done = client.post(f"/api/v1/requests/{req.number}/urge", json={"note": "请尽快"}, headers=headers)
    assert done.status_code == 200 and done.json()["urge_count"] == 1 and done.json()["last_urged_at"]


def test_the_request_page_panel_asks_for_a_note(database, as_user):
    req = late_to_claim(database, 5)
    client = as_user("supervisor1")
    page = client.get(f"/requests/{req.number}").text
    assert 'action="/requests/' + req.number + '/actions/urge"' in page
    version = load(database, req.number).version
    refused = form_post(client, f"/requests/{req.number}/actions/urge", {"note": "", "version": version})
    assert refused.status_code == 422 and load(database, req.number).urge_count == 0
    # The panel's form carries the version it was rendered with: sent twice, it urges once.
    first = form_post(client, f"/requests/{req.number}/actions/urge", {"note": "请尽快", "version": version})
    again = form_post(client, f"/requests/{req.number}/actions/urge", {"note": "请尽快", "version": version})
    assert first.status_code == 303 and again.status_code == 409
    assert load(database, req.number).urge_count == 1


def test_the_urge_shows_at_the_desk_and_on_the_request_page(database, as_user):
    queued = late_to_claim(database, 5)
    held = late_to_complete(database)
    client = as_user("supervisor1")
    urge(client, [queued.number])
    urge(client, [held.number], kind="complete")
    urge(client, [held.number], kind="complete", note="再催一次")
    desk = as_user("staff1").get("/desk").text
    assert "被催办 1 次" in section(desk, "desk-queue")
    tasks = section(desk, "desk-tasks")
    assert "被催办 2 次 · 最近" in tasks
    lead_desk = as_user("lead1").get("/desk").text
    assert "被催办 2 次" in section(lead_desk, "desk-team")
    for username in ("staff1", "lead1", "supervisor1"):
        page = as_user(username).get(f"/requests/{held.number}").text
        assert "被催办 2 次 · 最近" in page and "再催一次" in page
    # The requester's page shows neither the count nor the internal note.
    mine = as_user("member1").get(f"/requests/{held.number}").text
    assert "被催办" not in mine and "再催一次" not in mine


def test_the_query_count_does_not_grow_with_rows(database, as_user, count_queries):
    client = as_user("supervisor1")
    for d in (3, 4):
        late_to_complete(database, 20 + d)
    client.get("/supervision/overdue?kind=complete")  # warm the catalogue cache
    with count_queries(database) as few:
        assert client.get("/supervision/overdue?kind=complete").status_code == 200
    for d in range(8):
        late_to_complete(database, 30 + d)
    with count_queries(database) as many:
        page = client.get("/supervision/overdue?kind=complete").text
    assert len(numbers_in(page)) == 10
    assert many.count == few.count, f"2 rows: {few}\n10 rows: {many}"


def test_the_list_links_to_the_same_requests_in_the_finder_and_its_export(database, as_user):
    late = late_to_claim(database, 5)
    page = as_user("supervisor1").get("/supervision/overdue").text
    assert 'href="/requests?overdue=claim"' in page and 'href="/requests/export?format=csv&amp;overdue=claim"' in page
    assert late.number in as_user("supervisor1").get("/requests?overdue=claim").text
