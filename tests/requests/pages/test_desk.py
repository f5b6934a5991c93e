"""The department desk: the queue, one-click claim (and losing a race for it), my tasks, a
lead's assignment, the self-refreshing queue block, and a query count that does not grow."""

from __future__ import annotations

import re

from server.enums import Action, RequestStatus
from server.requests import worklists
from tests.requests.helpers import act, load, submit
from tests.requests.pages import worklist_support
from tests.requests.pages.worklist_support import HTMX, form_post, hx_post, section

# The shared fixtures, made visible to pytest in this module.
world = worklist_support.world
as_user = worklist_support.as_user


def union_request(database, people: int = 2):
    return submit(database, "member1", "union.join", answers={"people": people})


def test_staff_see_their_own_department_queue_only(database, as_user):
    mine = union_request(database)
    other = submit(database, "member1", "misc.other")
    act(database, "dispatcher1", other.number, Action.dispatch, department_code="legal")  # auto-assigned to legal staff
    page = as_user("staff1").get("/desk")
    assert page.status_code == 200
    queue = section(page.text, "desk-queue")
    assert mine.number in queue and other.number not in page.text
    assert "接单" in queue and "服务union.join" in queue and "Member1" in queue

    legal = as_user("staff3").get("/desk").text
    assert mine.number not in legal


def test_members_and_dispatchers_may_not_open_the_desk(as_user):
    assert as_user("member1").get("/desk").status_code == 403
    assert as_user("dispatcher1").get("/desk").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/desk", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/desk"


def test_claim_in_one_click_moves_the_row_out_of_the_queue(database, as_user):
    request = union_request(database)
    client = as_user("staff1")
    response = hx_post(client, f"/desk/requests/{request.number}/claim", data={"version": request.version, "section": "queue"})
    assert response.status_code == 200
    html = response.text.strip()
    # Not a stale card of the claimed request left under 待接单: one line saying where it went.
    assert html.startswith('<li class="work-row work-row-done" role="status">') and "<html" not in html
    assert "已接单，工单已移到“我的任务”。" in html and "<form" not in html and "chip-status" not in html
    assert html.count(request.number) == 2  # the link's address and its text: the number once
    # The other lists fetch themselves again.
    assert response.headers["hx-trigger"] == "refresh-tasks, refresh-team"
    after = load(database, request.number)
    assert after.status == RequestStatus.claimed
    page = client.get("/desk").text
    assert request.number in section(page, "desk-tasks") and request.number not in section(page, "desk-queue")


def test_losing_a_claim_race_says_who_won_in_the_row(database, as_user):
    request = union_request(database)
    first, second = as_user("staff1"), as_user("staff2")
    form = {"version": request.version, "section": "queue"}
    assert hx_post(first, f"/desk/requests/{request.number}/claim", data=form).status_code == 200
    response = hx_post(second, f"/desk/requests/{request.number}/claim", data=form)
    assert response.status_code == 409
    assert "<html" not in response.text and "hx-retarget" not in response.headers
    assert "已由 Staff1 接单" in response.text
    assert 'role="alert"' in response.text and "/claim" not in response.text  # no claim button left
    assert load(database, request.number).assignee_id is not None


def test_claim_already_held_in_english(database, as_user):
    request = union_request(database)
    act(database, "staff1", request.number, Action.claim)
    client = as_user("staff2")
    client.cookies.set("lianxin_lang", "en")
    response = hx_post(client, f"/desk/requests/{request.number}/claim", data={"version": request.version})
    assert response.status_code == 409 and "Already claimed by Staff1." in response.text


def test_claim_without_script_posts_and_redirects(database, as_user):
    request = union_request(database)
    client = as_user("staff1")
    response = form_post(client, f"/desk/requests/{request.number}/claim", data={"version": request.version, "sort": "oldest"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/desk?sort=oldest&done=claim&n={request.number}"
    page = client.get(response.headers["location"]).text
    assert f"您已接单 {request.number}，可在“我的任务”中办理。" in page


def test_losing_a_claim_without_script_shows_the_page_with_the_reason(database, as_user):
    request = union_request(database)
    act(database, "staff1", request.number, Action.claim)
    response = form_post(as_user("staff2"), f"/desk/requests/{request.number}/claim", data={"version": request.version})
    assert response.status_code == 409
    assert "<!doctype html>" in response.text and "已由 Staff1 接单" in response.text
    assert 'id="desk-queue"' in response.text


def test_only_a_lead_gets_the_assign_control(database, as_user):
    union_request(database)
    assert 'name="assignee"' not in as_user("staff1").get("/desk").text
    lead_page = as_user("lead1").get("/desk").text
    queue = section(lead_page, "desk-queue")
    assert 'name="assignee"' in queue and "指派" in queue
    assert '<option value="staff2">Staff2（在办 0 件，超时 0 件）</option>' in queue
    assert 'id="desk-team"' in lead_page


def test_lead_assigns_from_the_queue_and_reassigns_in_progress(database, as_user):
    request = union_request(database)
    lead = as_user("lead1")
    response = hx_post(lead, f"/desk/requests/{request.number}/assign",
                         data={"version": request.version, "assignee": "staff2", "section": "queue"})
    assert response.status_code == 200
    html = response.text.strip()
    # The row leaves the queue at once: what replaces it is not a card of an 办理中 request
    # still standing under 待接单, but where it went.
    assert html.startswith('<li class="work-row work-row-done"') and 'id="queue-' not in html
    assert "已指派给 Staff2。" in html and "chip-status-claimed" not in html and "<form" not in html
    assert response.headers["hx-trigger"] == "refresh-tasks, refresh-team"
    after = load(database, request.number)
    assert after.status == RequestStatus.claimed
    page = lead.get("/desk").text
    assert request.number not in section(page, "desk-queue")
    team = section(page, "desk-team")
    assert request.number in team and "Staff2" in team and 'name="assignee"' in team
    # Reassigned within the team's list, the row stays there with its new holder.
    response = hx_post(lead, f"/desk/requests/{request.number}/assign",
                         data={"version": after.version, "assignee": "staff1", "section": "team"})
    assert response.status_code == 200 and 'id="team-' in response.text and "已指派给 Staff1。" in response.text
    assert response.headers["hx-trigger"] == "refresh-queue, refresh-tasks"


def test_the_assign_control_shows_each_persons_load(database, as_user):
    """Open tasks held (claimed or suspended) and how many of them are overdue, per person."""
    from datetime import timedelta

    from server.models import utcnow

    late = submit(database, "member1", "union.join", answers={"people": 1}, now=utcnow() - timedelta(days=60))
    act(database, "lead1", late.number, Action.assign, assignee="staff2")
    for _ in range(2):
        act(database, "lead1", union_request(database).number, Action.assign, assignee="staff2")
    paused = act(database, "lead1", union_request(database).number, Action.assign, assignee="staff1")
    act(database, "staff1", paused.number, Action.suspend, note="等企业补材料")
    done = act(database, "lead1", union_request(database).number, Action.assign, assignee="staff1")
    act(database, "staff1", done.number, Action.complete, note="已办好")  # finished: not a load
    elsewhere = submit(database, "member1", "misc.other")
    act(database, "dispatcher1", elsewhere.number, Action.dispatch, department_code="legal")  # legal's
    union_request(database)  # one left in the queue, for the control to show on

    queue = section(as_user("lead1").get("/desk").text, "desk-queue")
    assert '<option value="staff2">Staff2（在办 3 件，超时 1 件）</option>' in queue
    assert '<option value="staff1">Staff1（在办 1 件，超时 0 件）</option>' in queue
    assert "Lead1（在办 0 件，超时 0 件）" in queue
    english = as_user("lead1")
    english.cookies.set("lianxin_lang", "en")
    assert "Staff2 · 3 open, 1 overdue" in section(english.get("/desk").text, "desk-queue")


def test_staff_load_is_one_grouped_query(database, world, count_queries):
    from server.requests.pages import worklist

    for name in ("staff1", "staff2", "staff1"):
        act(database, "lead1", union_request(database).number, Action.assign, assignee=name)
    with database.read() as session, count_queries(database) as counted:
        choices = worklist.staff_choices(session, world.people["lead1"].department_id)
    loads = {c.username: (c.load.open, c.load.overdue) for c in choices}
    assert loads["staff1"] == (2, 0) and loads["staff2"] == (1, 0) and loads["lead1"] == (0, 0)
    assert counted.count == 2, counted  # the people, then their loads: not one per person


def test_staff_cannot_assign(database, as_user):
    request = union_request(database)
    response = hx_post(as_user("staff1"), f"/desk/requests/{request.number}/assign",
                                      data={"version": request.version, "assignee": "staff2"})
    assert response.status_code == 403 and "<html" not in response.text and 'role="alert"' in response.text
    assert load(database, request.number).status == RequestStatus.dispatched


def test_assign_needs_a_person(database, as_user):
    request = union_request(database)
    response = hx_post(as_user("lead1"), f"/desk/requests/{request.number}/assign",
                                     data={"version": request.version, "assignee": ""})
    assert response.status_code == 422 and "请选择" in response.text


def test_my_tasks_release_and_resume_inline(database, as_user):
    held = union_request(database)
    paused = union_request(database)
    act(database, "staff1", held.number, Action.claim)
    act(database, "staff1", paused.number, Action.claim)
    paused = act(database, "staff1", paused.number, Action.suspend, note="等企业补材料")
    client = as_user("staff1")
    tasks = section(client.get("/desk").text, "desk-tasks")
    assert held.number in tasks and paused.number in tasks
    assert f'/requests/{held.number}"' in tasks  # complete, return, ... on the request page
    assert f"/desk/requests/{paused.number}/resume" in tasks and f"/desk/requests/{held.number}/release" in tasks

    response = hx_post(client, f"/desk/requests/{paused.number}/resume",
                           data={"version": paused.version, "section": "tasks"})
    assert response.status_code == 200 and "已解挂" in response.text
    assert load(database, paused.number).status == RequestStatus.claimed


def test_release_asks_for_a_reason_and_a_second_click(database, as_user):
    held = act(database, "staff1", union_request(database).number, Action.claim)
    tasks = section(as_user("staff1").get("/desk").text, "desk-tasks")
    form = tasks[tasks.index('<details class="reason-action reason-release"'):]
    form = form[:form.index("</details>")]
    # 放弃 only opens the form; the reason is required and 确认放弃 sends it.
    assert ">放弃</summary>" in form and "确认放弃" in form and "放弃原因" in form
    assert f'action="/desk/requests/{held.number}/release"' in form
    assert re.search(r'<textarea id="release-tasks-[^"]+" name="note"[^>]* required', form)
    assert "工单将回到本部门的待接单队列，由同事接单。" in form


def test_release_without_a_reason_is_refused_in_the_row(database, as_user):
    held = act(database, "staff1", union_request(database).number, Action.claim)
    response = hx_post(as_user("staff1"), f"/desk/requests/{held.number}/release",
                       data={"version": held.version, "section": "tasks", "note": "   "})
    assert response.status_code == 422 and "<html" not in response.text
    html = response.text
    assert 'role="alert"' in html and "请说明放弃的原因，接手的同事会看到。" in html
    assert '<details class="reason-action reason-release" open>' in html and 'aria-invalid="true"' in html
    assert load(database, held.number).status == RequestStatus.claimed


def test_release_with_a_reason_says_where_the_task_went(database, as_user):
    held = act(database, "staff1", union_request(database).number, Action.claim)
    client = as_user("staff1")
    response = hx_post(client, f"/desk/requests/{held.number}/release",
                       data={"version": held.version, "section": "tasks", "note": "下周出差，请同事接手"})
    assert response.status_code == 200 and response.headers["hx-trigger"] == "refresh-queue, refresh-team"
    html = response.text.strip()
    assert html.startswith('<li class="work-row work-row-done"')
    assert "已放弃，工单回到union部的待接单队列。" in html and html.count(held.number) == 2
    after = load(database, held.number)
    assert after.status == RequestStatus.dispatched and after.assignee_id is None
    events = client.get(f"/requests/{held.number}").text
    assert "下周出差，请同事接手" in events and "已放弃" in events


def test_release_without_script(database, as_user):
    held = act(database, "staff1", union_request(database).number, Action.claim)
    client = as_user("staff1")
    refused = form_post(client, f"/desk/requests/{held.number}/release", data={"version": held.version, "section": "tasks"})
    assert refused.status_code == 422 and refused.text.startswith("<!doctype html>")
    assert "请说明放弃的原因" in refused.text
    response = form_post(client, f"/desk/requests/{held.number}/release",
                         data={"version": held.version, "section": "tasks", "note": "不是我负责的楼栋"})
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert f"已放弃 {held.number}，工单回到本部门的待接单队列。" in page
    assert held.number in section(page, "desk-queue")


def test_unknown_desk_action_is_404(database, as_user):
    request = union_request(database)
    response = hx_post(as_user("staff1"), f"/desk/requests/{request.number}/complete", data={})
    assert response.status_code == 404


def test_polling_fragment_is_only_the_queue_block(database, as_user):
    request = union_request(database)
    client = as_user("staff1")
    response = client.get("/desk?part=queue&sort=overdue", headers=HTMX)
    assert response.status_code == 200
    html = response.text.strip()
    assert html.startswith('<section id="desk-queue"') and html.endswith("</section>")
    assert request.number in html and "desk-tasks" not in html and "<html" not in html
    assert 'hx-trigger="every 15s, refresh-queue from:body, refresh-now, sse:changed"' in html
    assert "sort=overdue" in html  # the poll keeps the chosen order
    # Without htmx the same address is the whole page, and a plain link refreshes it.
    page = client.get("/desk?part=queue").text
    assert page.startswith("<!doctype html>") and 'class="worklist-refresh" href="/desk?sort=due"' in page


def test_a_staff_member_cannot_fetch_the_team_block(as_user):
    assert as_user("staff1").get("/desk?part=team", headers=HTMX).status_code == 403


def test_queue_orders_and_pages(database, as_user, monkeypatch):
    numbers = [union_request(database).number for _ in range(3)]
    monkeypatch.setattr(worklists, "PAGE_SIZE", 2)
    client = as_user("staff1")
    first = section(client.get("/desk?sort=oldest").text, "desk-queue")
    assert numbers[0] in first and numbers[1] in first and numbers[2] not in first
    more = re.search(r'class="work-more">\s*<a class="button button-secondary" href="([^"]+)" hx-get="([^"]+)"', first)
    assert more, first
    rows = client.get(more.group(2).replace("&amp;", "&"), headers=HTMX).text
    assert numbers[2] in rows and numbers[0] not in rows and "<section" not in rows
    page = client.get(more.group(1).replace("&amp;", "&")).text
    assert numbers[2] in section(page, "desk-queue")
    # A cursor of another order is refused, as every list refuses a cursor not its own (422).
    assert client.get(more.group(1).replace("&amp;", "&").replace("sort=oldest", "sort=due")).status_code == 422


def test_overdue_first_order(database, as_user):
    from datetime import timedelta

    from server.models import utcnow

    fresh = union_request(database)
    late = submit(database, "member1", "union.join", answers={"people": 1}, now=utcnow() - timedelta(days=30))
    queue = section(as_user("staff1").get("/desk?sort=overdue").text, "desk-queue")
    assert queue.index(late.number) < queue.index(fresh.number)
    assert "chip-flag-red" in queue


def _fill(database, count: int) -> None:
    for i in range(count):
        request = union_request(database)
        if i % 3 == 1:
            act(database, "lead1", request.number, Action.claim)
        elif i % 3 == 2:
            act(database, "lead1", request.number, Action.assign, assignee="staff2")


def test_desk_query_count_does_not_grow_with_rows(database, as_user, count_queries):
    client = as_user("lead1")
    _fill(database, 3)
    client.get("/desk")  # warm the catalogue cache
    with count_queries(database) as few:
        assert client.get("/desk").status_code == 200
    _fill(database, 27)
    with count_queries(database) as many:
        page = client.get("/desk").text
    assert page.count('class="work-row"') == 10 + 10 + 20  # queue, mine, the team's (mine included)
    assert many.count == few.count, f"3 rows: {few}\n30 rows: {many}"
    with count_queries(database) as poll:
        client.get("/desk?part=queue", headers=HTMX)
    assert poll.count < few.count, poll


def test_a_long_queue_shows_its_first_window_and_the_rest_a_click_away(database, as_user):
    # The desk renders a window of each list (worklists.PAGE_SIZE, 25), not all of it: the
    # next rows come from "Show more", as a page without script or appended with htmx.
    numbers = [union_request(database).number for _ in range(worklists.PAGE_SIZE + 2)]
    client = as_user("staff1")
    first = section(client.get("/desk?sort=oldest").text, "desk-queue")
    assert first.count('class="work-row"') == worklists.PAGE_SIZE
    assert numbers[worklists.PAGE_SIZE - 1] in first and numbers[worklists.PAGE_SIZE] not in first
    more = re.search(r'class="work-more">\s*<a class="button button-secondary" href="([^"]+)" hx-get="([^"]+)"', first)
    assert more, first
    rest = numbers[worklists.PAGE_SIZE:]
    rows = client.get(more.group(2).replace("&amp;", "&"), headers=HTMX).text
    assert rows.count('class="work-row"') == 2 and all(n in rows for n in rest) and "work-more" not in rows
    page = section(client.get(more.group(1).replace("&amp;", "&")).text, "desk-queue")
    assert page.count('class="work-row"') == 2 and all(n in page for n in rest)
    # Every row keeps its one-click claim, with the version it showed.
    claim = re.search(rf'action="/desk/requests/{rest[0]}/claim"[^>]*>\s*<input[^>]*>\s*<input type="hidden" name="version" value="(\d+)"', page)
    assert claim, page
