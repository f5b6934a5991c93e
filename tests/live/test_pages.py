"""The live pages' markup: each opens its stream with the SSE extension, keeps its poll, and
the request page's live fragment is its summary and history, out of band."""

from __future__ import annotations

import pytest

from server.enums import Action
from tests.requests.helpers import act, submit
from tests.requests.pages.requester_helpers import client_for

pytestmark = pytest.mark.db
SCRIPT = "/static/vendor/htmx-ext-sse-2.2.4.min.js"


@pytest.mark.parametrize(("username", "path", "topic", "poll"), [
    ("staff1", "/desk", "desk", "every 15s"),
    ("dispatcher1", "/dispatch", "board", "every 30s"),
    ("supervisor1", "/supervision/overdue", "overdue", "every 15s"),
])
def test_each_live_page_opens_its_stream_and_keeps_its_poll(app, username, path, topic, poll):
    html = client_for(app, username).get(path).text
    assert SCRIPT in html and f'sse-connect="/live?topic={topic}"' in html and 'sse-close="close"' in html
    assert "sse:changed" in html and poll in html


def test_the_request_page_follows_its_request(app, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    client = client_for(app, "member1")
    html = client.get(f"/requests/{number}").text
    assert f'sse-connect="/live?topic=request%3A{number}"' in html and SCRIPT in html
    assert f"/requests/{number}?part=live&amp;seen=1" in html
    part = client.get(f"/requests/{number}?part=live&seen=1", headers={"HX-Request": "true"})
    assert part.status_code == 200 and "<html" not in part.text
    assert f'id="summary-{number}"' in part.text and f'id="timeline-{number}"' in part.text
    assert part.text.count('hx-swap-oob="true"') == 2 and "action-panels" not in part.text


def test_the_panels_come_again_when_the_request_moved_on(app, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    act(database, "staff1", number, Action.claim)
    client = client_for(app, "member1")
    part = client.get(f"/requests/{number}?part=live&seen=1", headers={"HX-Request": "true"})
    assert part.text.count('hx-swap-oob="true"') == 3 and f'id="actions-{number}"' in part.text
    assert "seen=2" in part.text  # the trigger now carries the version it shows
