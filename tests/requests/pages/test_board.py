"""The dispatch board: what waits for dispatch (new and returned, with the reason), dispatch,
reject and transfer from a row, refusals shown in the row, and a query count that does not
grow with the rows."""

from __future__ import annotations

import re

from server.enums import Action, RequestStatus
from server.requests import worklists
from tests.requests.helpers import act, load, submit
from tests.requests.pages import worklist_support
from tests.requests.pages.worklist_support import HTMX, form_post, hx_post, section

world = worklist_support.world
as_user = worklist_support.as_user


def unplaced(database):
    """A request no routing rule places: it waits for a dispatcher."""
    return submit(database, "member1", "misc.other")


def returned(database, reason: str = "不属于本部门职责"):
    request = submit(database, "member1", "union.join", answers={"people": 3})
    return act(database, "staff1", request.number, Action.return_, note=reason)


def test_board_lists_new_and_returned_requests_apart(database, as_user):
    new = unplaced(database)
    back = returned(database)
    waiting = submit(database, "member2", "union.join", answers={"people": 1})  # routed to union, unclaimed
    page = as_user("dispatcher1").get("/dispatch")
    assert page.status_code == 200
    returned_html = section(page.text, "board-returned")
    new_html = section(page.text, "board-new")
    dispatched_html = section(page.text, "board-dispatched")
    assert back.number in returned_html and back.number not in new_html
    assert "已退回" in returned_html and "不属于本部门职责" in returned_html and "Staff1" in returned_html
    assert "union部" in returned_html  # the department that sent it back
    assert new.number in new_html and new.number not in returned_html
    assert waiting.number in dispatched_html and "转派" in dispatched_html
    # Every active department to choose from.
    assert '<option value="legal">legal部</option>' in new_html


def test_only_dispatchers_open_the_board(as_user):
    assert as_user("staff1").get("/dispatch").status_code == 403
    assert as_user("member1").get("/dispatch").status_code == 403


def test_dispatch_from_a_row(database, as_user):
    request = unplaced(database)
    client = as_user("dispatcher1")
    response = hx_post(client, f"/dispatch/requests/{request.number}/dispatch",
                       data={"version": request.version, "department": "union", "section": "new"})
    assert response.status_code == 200
    assert response.text.strip().startswith('<li class="work-row work-row-done" role="status">')
    assert "已派单至union部。" in response.text and "<form" not in response.text
    assert response.text.count(request.number) == 2  # the link's address and its text: said once
    assert response.headers["hx-trigger"] == "refresh-dispatched"
    after = load(database, request.number)
    assert after.status == RequestStatus.dispatched
    page = client.get("/dispatch").text
    assert request.number not in section(page, "board-new") and request.number in section(page, "board-dispatched")


def test_dispatch_without_a_department_is_refused_in_the_row(database, as_user):
    request = unplaced(database)
    response = hx_post(as_user("dispatcher1"), f"/dispatch/requests/{request.number}/dispatch",
                       data={"version": request.version, "department": "", "section": "new"})
    assert response.status_code == 422 and "<html" not in response.text and "hx-retarget" not in response.headers
    assert "请选择部门" in response.text and 'aria-invalid="true"' in response.text
    assert load(database, request.number).status == RequestStatus.submitted


def test_reject_needs_a_reason_shown_in_the_row(database, as_user):
    request = unplaced(database)
    client = as_user("dispatcher1")
    response = hx_post(client, f"/dispatch/requests/{request.number}/reject",
                       data={"version": request.version, "note": "  ", "section": "new"})
    assert response.status_code == 422
    html = response.text.strip()
    assert html.startswith("<li") and 'role="alert"' in html and "请填写驳回理由，申请人会看到。" in html
    assert 'id="reject-' in html and 'aria-invalid="true"' in html  # the reason field is marked
    assert "<details class=\"reason-action reason-reject\" open>" in html  # still open, to fix
    assert load(database, request.number).status == RequestStatus.submitted

    response = hx_post(client, f"/dispatch/requests/{request.number}/reject",
                       data={"version": request.version, "note": "不属于服务范围", "section": "new"})
    assert response.status_code == 200 and "已驳回，申请人会看到原因。" in response.text
    assert response.text.count(request.number) == 2
    assert load(database, request.number).status == RequestStatus.rejected


def test_reject_asks_for_a_reason_before_it_is_sent(database, as_user):
    """The 驳回 button only opens the form: the reason is required and the confirming button
    is a second, distinct one, the same with or without script."""
    request = unplaced(database)
    new_html = section(as_user("dispatcher1").get("/dispatch").text, "board-new")
    form = new_html[new_html.index('<details class="reason-action reason-reject"'):]
    form = form[:form.index("</details>")]
    assert "<summary" in form and ">驳回</summary>" in form
    assert f'action="/dispatch/requests/{request.number}/reject"' in form
    assert re.search(r'<textarea id="reject-new-[^"]+" name="note"[^>]* required', form)
    assert "申请人会看到这个理由。" in form and "确认驳回" in form


def test_reject_without_script_says_what_happened(database, as_user):
    request = unplaced(database)
    client = as_user("dispatcher1")
    empty = form_post(client, f"/dispatch/requests/{request.number}/reject",
                      data={"version": request.version, "note": "", "section": "new"})
    assert empty.status_code == 422 and "请填写驳回理由，申请人会看到。" in empty.text
    response = form_post(client, f"/dispatch/requests/{request.number}/reject",
                         data={"version": request.version, "note": "不属于服务范围", "section": "new"})
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert f"已驳回 {request.number}，申请人会看到原因。" in page
    assert load(database, request.number).status == RequestStatus.rejected


def test_returned_request_is_dispatched_again(database, as_user):
    back = returned(database)
    response = hx_post(as_user("dispatcher1"), f"/dispatch/requests/{back.number}/dispatch",
                       data={"version": back.version, "department": "union", "section": "returned"})
    assert response.status_code == 200
    assert load(database, back.number).status == RequestStatus.dispatched


def test_transfer_needs_a_note_and_then_moves_the_request(database, as_user):
    request = submit(database, "member1", "union.join", answers={"people": 2})
    client = as_user("dispatcher1")
    form = {"version": request.version, "department": "legal", "section": "dispatched"}
    response = hx_post(client, f"/dispatch/requests/{request.number}/transfer", data={**form, "note": ""})
    assert response.status_code == 422 and 'id="dispatched-' in response.text
    # What was chosen stays chosen.
    assert '<option value="legal" selected>' in response.text
    response = hx_post(client, f"/dispatch/requests/{request.number}/transfer", data={**form, "note": "法律问题，转法律服务"})
    assert response.status_code == 200 and "已转派" in response.text
    after = load(database, request.number)
    assert after.transfer_count == 1 and after.department_id != request.department_id


def test_a_stale_row_says_someone_else_changed_it(database, as_user):
    request = unplaced(database)
    act(database, "dispatcher1", request.number, Action.dispatch, department_code="union")
    response = hx_post(as_user("dispatcher1"), f"/dispatch/requests/{request.number}/dispatch",
                       data={"version": request.version, "department": "legal", "section": "new"})
    assert response.status_code == 409 and "<html" not in response.text
    assert "其他人已先处理了此工单" in response.text
    assert load(database, request.number).transfer_count == 0


def test_without_script_the_forms_post_and_redirect(database, as_user):
    request = unplaced(database)
    client = as_user("dispatcher1")
    response = form_post(client, f"/dispatch/requests/{request.number}/dispatch",
                         data={"version": request.version, "department": "union"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/dispatch?done=dispatch&n={request.number}"
    assert f"{request.number} 已派单" in client.get(response.headers["location"]).text
    other = unplaced(database)
    response = form_post(client, f"/dispatch/requests/{other.number}/reject", data={"version": other.version})
    assert response.status_code == 422
    assert response.text.startswith("<!doctype html>") and "请填写驳回理由" in response.text


def test_board_blocks_for_htmx(database, as_user, monkeypatch):
    numbers = [unplaced(database).number for _ in range(3)]
    client = as_user("dispatcher1")
    block = client.get("/dispatch?part=new", headers=HTMX).text.strip()
    assert block.startswith('<section id="board-new"') and "board-returned" not in block and "<html" not in block
    monkeypatch.setattr(worklists, "PAGE_SIZE", 2)
    first = section(client.get("/dispatch").text, "board-new")
    assert numbers[2] not in first and "new_after=" in first
    cursor = first.split("new_after=")[1].split('"')[0]
    rows = client.get(f"/dispatch?part=new_rows&new_after={cursor}", headers=HTMX).text
    assert numbers[2] in rows and numbers[0] not in rows


def _fill(database, count: int) -> None:
    for i in range(count):
        if i % 3 == 0:
            unplaced(database)
        elif i % 3 == 1:
            returned(database, reason=f"理由 {i}")
        else:
            submit(database, "member1", "union.join", answers={"people": 1})


def test_board_query_count_does_not_grow_with_rows(database, as_user, count_queries):
    client = as_user("dispatcher1")
    _fill(database, 3)
    client.get("/dispatch")  # warm the catalogue cache
    with count_queries(database) as few:
        assert client.get("/dispatch").status_code == 200
    _fill(database, 27)
    with count_queries(database) as many:
        page = client.get("/dispatch").text
    assert page.count('<li class="work-row') == 30
    assert many.count == few.count, f"3 rows: {few}\n30 rows: {many}"
