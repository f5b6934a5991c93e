"""The request page's 放弃 (release) and 驳回 (reject) panels: a required reason behind a
disclosure, a distinct confirming button, the clear refusal of an empty reason, and a message
saying what happened afterwards, with htmx and without script."""

from __future__ import annotations

import re

import pytest

from server.enums import Action, RequestStatus
from tests.factories import build_world
from tests.requests.helpers import act, load, submit
from tests.requests.pages.requester_helpers import client_for
from tests.requests.pages.test_detail import _post


@pytest.fixture
def world(database):
    return build_world(database)


def _panel(html: str, number: str, action: str) -> str:
    start = html.index(f'action="/requests/{number}/actions/{action}"')
    return html[start:html.index("</form>", start)]


def _claimed(database) -> str:
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    act(database, "staff1", number, Action.claim)
    return number


def test_the_release_panel_asks_for_a_reason(app, world, database):
    number = _claimed(database)
    panel = _panel(client_for(app, "staff1").get(f"/requests/{number}").text, number, "release")
    assert "<details>" in panel and "<summary>放弃</summary>" in panel
    assert re.search(rf'<label for="act-{number}-release-note">放弃原因 <span class="required"', panel)
    assert re.search(rf'<textarea id="act-{number}-release-note" name="note"[^>]* required', panel)
    assert "工单将回到本部门的待接单队列，由同事接单。" in panel and "确认放弃" in panel


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-script"])
def test_release_without_a_reason_is_refused_clearly(app, world, database, htmx):
    number = _claimed(database)
    response = _post(client_for(app, "staff1"), number, "release", {"note": " "}, htmx=htmx)
    assert response.status_code == 422
    assert "请说明放弃的原因，接手的同事会看到。" in response.text
    assert f'id="act-{number}-release-note-error"' in response.text
    assert load(database, number).status == RequestStatus.claimed


def test_release_says_what_happened_with_htmx(app, world, database):
    number = _claimed(database)
    response = _post(client_for(app, "staff1"), number, "release", {"note": "下周出差"})
    assert response.status_code == 200
    assert '<div class="alert alert-info" role="status"><p>已放弃，工单回到union部的待接单队列。</p></div>' in response.text
    assert number not in response.text.split('role="status"')[1].split("</div>")[0]  # not said twice
    assert load(database, number).status == RequestStatus.dispatched


def test_release_says_what_happened_without_script(app, world, database):
    number = _claimed(database)
    client = client_for(app, "staff1")
    response = _post(client, number, "release", {"note": "下周出差"}, htmx=False)
    assert response.status_code == 303 and response.headers["location"] == f"/requests/{number}?done=release"
    page = client.get(response.headers["location"]).text
    assert "已放弃，工单回到union部的待接单队列。" in page
    # The page as such says nothing: only after the action.
    assert "已放弃，工单回到" not in client.get(f"/requests/{number}").text
    assert client.get(f"/requests/{number}?done=fly").status_code == 200


def test_reject_panel_and_its_message(app, world, database):
    number = submit(database, "member1", "misc.other").number
    client = client_for(app, "dispatcher1")
    page = client.get(f"/requests/{number}").text
    panel = _panel(page, number, "reject")
    assert "<summary>驳回</summary>" in panel and "驳回理由" in panel and "确认驳回" in panel
    assert "申请人会看到这个理由。" in panel
    empty = _post(client, number, "reject", {"note": ""}, page=page)
    assert empty.status_code == 422 and "请填写驳回理由，申请人会看到。" in empty.text
    done = _post(client, number, "reject", {"note": "不属于本中心的服务范围"}, htmx=False)
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert "已驳回，申请人会看到原因。" in page
    assert "不属于本中心的服务范围" in client_for(app, "member1").get(f"/requests/{number}").text

