"""The requests domain's rules seen through the pages: the same answers as the API because the
same code decides (issue 7): staff-only notes from the transition table, one "may order" check
per submission."""

from __future__ import annotations

import pytest

from server import policy
from server.enums import Action, RequestStatus
from tests.factories import build_world
from tests.requests.helpers import act, load, submit
from tests.requests.pages.requester_helpers import (
    client_for,
    csrf_from,
    number_from,
    order,
    version_in,
)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(database):
    return build_world(database)


def _post(client, number: str, action: str, data: dict):
    page = client.get(f"/requests/{number}").text
    body = {"csrf_token": csrf_from(page), "version": str(version_in(page)), **data}
    return client.post(f"/requests/{number}/actions/{action}", data=body, headers=HTMX, follow_redirects=False)


def test_the_completion_panel_offers_no_staff_only_note_and_refuses_one(app, world, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    act(database, "staff1", number, Action.claim)
    client = client_for(app, "staff1")
    page = client.get(f"/requests/{number}").text
    complete_panel = page[page.index(f"/requests/{number}/actions/complete"):]
    complete_panel = complete_panel[: complete_panel.index("</form>")]
    assert 'name="internal"' not in complete_panel
    release_panel = page[page.index(f"/requests/{number}/actions/release"):]
    assert 'name="internal"' in release_panel[: release_panel.index("</form>")]
    # A crafted form that asks anyway is refused, as the API refuses it.
    response = _post(client, number, "complete", {"note": "结果", "internal": "1"})
    assert response.status_code == 422
    assert load(database, number).status == RequestStatus.claimed


def test_an_order_checks_may_order_once(app, world, monkeypatch):
    client = client_for(app, "member1")
    page_before = client.get("/menu/union.join")
    assert page_before.status_code == 200
    calls = []
    real = policy.order_refusal
    monkeypatch.setattr(policy, "order_refusal", lambda person, service: calls.append(service.code) or real(person, service))
    number_from(order(client, "union.join", {"answers.people": "1", "answers.kind": "new"}))
    # order() loads the form (one check, to show it) and posts it (one check, in the submission).
    assert calls == ["union.join", "union.join"]
