"""My requests and the request page: who sees what, the action panels each role gets, actions
through htmx and plain forms, their errors and conflicts, evidence files, and query counts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from server.enums import Action, RequestStatus
from server.models import Attachment, RequestEvent
from tests.factories import build_world
from tests.requests.helpers import act, load, submit
from tests.requests.pages.requester_helpers import PNG, client_for, csrf_from, version_in

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(database):
    return build_world(database)


def _post(client, number: str, action: str, data: dict | None = None, *, htmx: bool = True, files=None, page: str | None = None):
    page = page or client.get(f"/requests/{number}").text
    body = {"csrf_token": csrf_from(page), "version": str(version_in(page)), **(data or {})}
    return client.post(f"/requests/{number}/actions/{action}", data=body, files=files, headers=HTMX if htmx else {},
                       follow_redirects=False)


def _actions(html: str) -> set[str]:
    return set(re.findall(r'action="/requests/[^/]+/actions/(\w+)"', html))


# --- my requests -----------------------------------------------------------------------------------
def test_member_sees_only_their_own_requests(app, world, database):
    mine = submit(database, "member1", "legal.aid").number
    theirs = submit(database, "member2", "legal.aid").number
    page = client_for(app, "member1").get("/requests").text
    assert mine in page and theirs not in page
    assert "chip-status-dispatched" in page and "服务legal.aid" in page


def test_contact_sees_the_enterprises_requests(app, world, database):
    colleague = submit(database, "member1", "legal.aid").number
    other = submit(database, "member2", "legal.aid").number
    page = client_for(app, "contact1").get("/requests").text
    assert colleague in page and other not in page


def test_staff_get_the_finder_with_their_departments_requests(app, world, database):
    # lead1 is no requester: /requests is the finder over what the policy lets them see.
    queued = submit(database, "member1", "union.join", answers={"people": 2}).number
    elsewhere = submit(database, "member1", "legal.aid").number
    page = client_for(app, "lead1").get("/requests").text
    assert queued in page and elsewhere not in page and "您还没有提交过工单" not in page


def test_status_chips_filter_the_list(app, world, database):
    dispatched = submit(database, "member1", "legal.aid").number
    waiting = submit(database, "member1", "misc.other").number
    client = client_for(app, "member1")
    page = client.get("/requests", params={"status": "submitted"}).text
    assert waiting in page and dispatched not in page
    assert 'href="/requests?status=submitted" aria-current="true"' in page


def test_more_button_pages_with_and_without_htmx(app, world, database):
    numbers = [submit(database, "member1", "misc.other").number for _ in range(23)]
    client = client_for(app, "member1")
    page = client.get("/requests").text
    assert numbers[-1] in page and numbers[2] not in page  # newest first, 20 a page
    more = re.search(r'href="(/requests\?cursor=[^"]+)" hx-get', page).group(1)
    fragment = client.get(more.replace("&amp;", "&"), headers=HTMX).text
    assert fragment.lstrip().startswith('<li class="request-row">')
    assert all(n in fragment for n in numbers[:3]) and numbers[3] not in fragment
    assert 'class="more"' not in fragment
    assert numbers[0] in client.get(more.replace("&amp;", "&")).text


@pytest.mark.parametrize("count", [5, 30])
def test_list_query_count_does_not_grow_with_rows(app, world, database, count_queries, count):
    for _ in range(count):
        submit(database, "contact1", "union.join", answers={"people": 1})
    client = client_for(app, "contact1")
    client.get("/requests")  # warm the catalogue snapshot
    with count_queries(database) as counter:
        page = client.get("/requests").text
    assert page.count('class="request-row"') == min(count, 20)
    # session + person, one query per visibility reason, the catalogue revision, the people.
    assert counter.count == FIXED_LIST_QUERIES, counter


FIXED_LIST_QUERIES = 5


# --- the request page ------------------------------------------------------------------------------
def test_another_persons_request_is_a_404_page(app, world, database):
    number = submit(database, "member1", "legal.aid").number
    response = client_for(app, "member2").get(f"/requests/{number}")
    assert response.status_code == 404 and "页面不存在" in response.text
    assert client_for(app, "member1").get(f"/requests/{number}").status_code == 200


def test_request_page_shows_details_answers_due_times_and_history(app, world, database):
    number = submit(database, "member1", "union.join", answers={"people": 3, "kind": "move"}, building_code="A1",
                    floor="2", room="201", description="想加入工会").number
    page = client_for(app, "member1").get(f"/requests/{number}").text
    assert f"<strong>{number}</strong>" in page and "想加入工会" in page
    assert "<dt>人数</dt>" in page and "转入" in page
    assert "A1栋 · 2层 · 201室" in page
    assert "接单期限" in page and "办结期限" in page and "union部" in page
    assert page.count('<li class="event') == 2  # submitted, dispatched
    assert "已提交" in page and "已派单" in page


def test_member_may_cancel_but_not_claim_and_staff_may_claim(app, world, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    assert _actions(client_for(app, "member1").get(f"/requests/{number}").text) == {"cancel"}
    assert _actions(client_for(app, "staff1").get(f"/requests/{number}").text) == {"claim", "return"}
    lead = client_for(app, "lead1").get(f"/requests/{number}").text
    assert {"claim", "assign", "return"} <= _actions(lead)
    assert '<option value="staff2">Staff2（在办 0 件，超时 0 件）</option>' in lead
    dispatcher = client_for(app, "dispatcher1").get(f"/requests/{number}").text
    assert _actions(dispatcher) == {"transfer"}
    assert '<option value="legal">legal部</option>' in dispatcher and '<option value="union">' not in dispatcher
    assert _actions(client_for(app, "supervisor1").get(f"/requests/{number}").text) == {"urge"}


def test_dispatcher_dispatches_an_unplaced_request(app, world, database):
    number = submit(database, "member1", "misc.other").number
    client = client_for(app, "dispatcher1")
    page = client.get(f"/requests/{number}").text
    assert {"dispatch", "reject"} <= _actions(page) and '<option value="union">union部</option>' in page
    response = _post(client, number, "dispatch", {"department": "union"}, page=page)
    assert response.status_code == 200
    assert load(database, number).status == RequestStatus.dispatched


def test_claim_with_htmx_returns_the_panels_and_refreshes_the_rest(app, world, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    response = _post(client_for(app, "staff1"), number, "claim")
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith(f'<section id="actions-{number}" class="action-panels"')
    assert f'<section id="summary-{number}" class="request-summary" hx-swap-oob="true">' in html
    assert f'<section id="timeline-{number}" class="timeline" hx-swap-oob="true">' in html
    assert "<html" not in html and "chip-status-claimed" in html
    assert {"complete", "suspend", "release", "request_extension"} <= _actions(html)
    assert load(database, number).status == RequestStatus.claimed


def test_plain_form_post_redirects_back_to_the_page(app, world, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    client = client_for(app, "member1")
    response = _post(client, number, "cancel", {"note": "不需要了"}, htmx=False)
    assert response.status_code == 303 and response.headers["location"] == f"/requests/{number}"
    assert load(database, number).status == RequestStatus.cancelled
    assert "不需要了" in client.get(f"/requests/{number}").text


@pytest.mark.parametrize("htmx", [True, False])
def test_returning_a_request_goes_back_to_the_desk_not_a_404(app, world, database, htmx):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    client = client_for(app, "staff1")
    response = _post(client, number, "return", {"note": "不归我们部门"}, htmx=htmx)
    target = f"/desk?done=return&n={number}"
    if htmx:
        assert response.status_code == 200 and response.headers["HX-Redirect"] == target
    else:
        assert response.status_code == 303 and response.headers["location"] == target
    assert load(database, number).status == RequestStatus.submitted
    assert f"{number} 已退回派单员。" in client.get(target).text


def test_lost_claim_says_who_has_it(app, world, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    client = client_for(app, "staff1")
    page = client.get(f"/requests/{number}").text
    act(database, "staff2", number, Action.claim)
    response = _post(client, number, "claim", page=page)
    assert response.status_code == 409
    assert "已由 Staff2 接单。" in response.text
    assert "chip-status-claimed" in response.text and 'action="/requests/' not in response.text.split("</section>")[0]


def test_stale_version_shows_the_current_state(app, world, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    client = client_for(app, "dispatcher1")
    page = client.get(f"/requests/{number}").text
    act(database, "supervisor1", number, Action.urge, note="请尽快")
    response = _post(client, number, "transfer", {"department": "legal", "note": "走错部门"}, page=page)
    assert response.status_code == 409 and "其他人已先处理了此工单，下面是它的最新状态。" in response.text
    assert f'name="version" value="{version_in(page) + 1}"' in response.text
    assert load(database, number).department_id == world.departments["union"].id


def test_missing_reason_shows_next_to_the_note_and_keeps_input(app, world, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    client = client_for(app, "dispatcher1")
    response = _post(client, number, "transfer", {"department": "legal", "note": "  "})
    assert response.status_code == 422
    html = response.text
    assert f'id="act-{number}-transfer-note-error">此操作须填写说明。' in html
    assert re.search(r'<details open>\s*<summary>转派</summary>', html)
    assert '<option value="legal" selected>' in html


def test_wrong_role_gets_a_message_in_the_panel(app, world, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    response = _post(client_for(app, "member1"), number, "claim")
    assert response.status_code == 403 and "您不能对此工单执行此操作。" in response.text
    assert client_for(app, "member1").post(f"/requests/{number}/actions/auto_close", headers=HTMX).status_code in (403, 404)


def test_complete_with_evidence_then_rate(app, world, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    staff = client_for(app, "staff1")
    _post(staff, number, "claim")
    response = _post(staff, number, "complete", {"note": "已办好"}, files=[("files", ("现场.png", PNG, "image/png"))])
    assert response.status_code == 200, response.text
    with database.read() as session:
        attachment = session.scalar(select(Attachment))
        event = session.get(RequestEvent, attachment.event_id)
    assert event.action == Action.complete and attachment.field_code is None

    member = client_for(app, "member1")
    page = member.get(f"/requests/{number}").text
    assert "已办好" in page and f'src="/attachments/{attachment.id}?inline=1"' in page
    assert member.get(f"/attachments/{attachment.id}").content == PNG
    assert _actions(page) == {"rate", "rework"}

    refused = _post(member, number, "rate", {"rating": "unsatisfied"}, page=page)
    assert refused.status_code == 422 and "选择不满意时须填写意见。" in refused.text
    assert 'value="unsatisfied" required checked' in refused.text
    done = _post(member, number, "rate", {"rating": "satisfied", "note": "很好"}, page=page)
    assert done.status_code == 200 and "chip-status-closed" in done.text
    page = member.get(f"/requests/{number}").text
    assert "<strong>满意</strong>" in page and "很好" in page


def test_files_are_refused_on_actions_that_take_none_and_unsafe_evidence(app, world, database, settings):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    staff = client_for(app, "staff1")
    _post(staff, number, "claim")
    response = _post(staff, number, "complete", {"note": "好了"}, files=[("files", ("x.svg", b"<svg/>", "image/svg+xml"))])
    assert response.status_code == 422 and "“x.svg”不是可接受的文件类型" in response.text
    assert load(database, number).status == RequestStatus.claimed
    assert not any(settings.attachments_dir.iterdir())


def test_internal_note_is_hidden_from_the_requester(app, world, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    staff = client_for(app, "staff1")
    _post(staff, number, "claim")
    _post(staff, number, "release", {"note": "内部原因", "internal": "1"})
    assert "内部原因" in staff.get(f"/requests/{number}").text
    assert "内部原因" not in client_for(app, "member1").get(f"/requests/{number}").text


def test_request_extension_needs_whole_days(app, world, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    staff = client_for(app, "staff1")
    _post(staff, number, "claim")
    response = _post(staff, number, "request_extension", {"days": "two", "note": "等材料"})
    assert response.status_code == 422 and f'id="act-{number}-request_extension-days-error">请填写整数。' in response.text
    assert _post(staff, number, "request_extension", {"days": "2", "note": "等材料"}).status_code == 200
    dispatcher = client_for(app, "dispatcher1").get(f"/requests/{number}").text
    assert re.search(rf'id="act-{number}-extend-days"[^>]*value="2"', dispatcher)


def test_unknown_action_is_404(app, world, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    client = client_for(app, "member1")
    token = csrf_from(client.get("/requests").text)
    assert client.post(f"/requests/{number}/actions/explode", data={"csrf_token": token}).status_code == 404
