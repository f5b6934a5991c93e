"""The desk's and the board's live parts answer a poll of an unchanged list with 304 Not
Modified (server.requests.pages.freshness): any change a viewer would see gives a new ETag,
and a 304 never confirms a copy made for another viewer or in another language."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from server.enums import Action
from server.models import Person, utcnow
from server.requests.pages import freshness
from tests.requests.helpers import act, submit
from tests.requests.pages import worklist_support
from tests.requests.pages.worklist_support import HTMX

world = worklist_support.world
as_user = worklist_support.as_user

QUEUE = "/desk?part=queue"


def _poll(client, url=QUEUE, tag=None):
    headers = {**HTMX, **({"If-None-Match": tag} if tag else {})}
    return client.get(url, headers=headers)


def _tag(client, url=QUEUE) -> str:
    response = _poll(client, url)
    assert response.status_code == 200 and response.text.strip()
    return response.headers["etag"]


def _request(database, **kwargs):
    return submit(database, "member1", "union.join", answers={"people": 2}, **kwargs)


def test_an_unchanged_queue_is_not_sent_again(database, as_user, count_queries):
    _request(database)
    client = as_user("staff1")
    first = _poll(client)
    tag = first.headers["etag"]
    assert tag.startswith('W/"')
    # Kept by the reader's browser only, and asked again at every poll.
    assert first.headers["cache-control"] == "private, no-cache"
    with count_queries(database) as again:
        response = _poll(client, tag=tag)
    assert response.status_code == 304 and response.content == b""
    assert response.headers["etag"] == tag and response.headers["vary"] == "HX-Request, Cookie"
    assert again.count <= 4, again  # who asks, the catalogue's revision, the queue's state: no rows
    # The whole page is never a 304 and stays out of every cache.
    page = client.get("/desk", headers={"If-None-Match": tag})
    assert page.status_code == 200 and "etag" not in page.headers
    assert page.headers["cache-control"] == "no-store"


def test_a_new_request_a_claim_and_an_urge_each_change_the_tag(database, as_user):
    request = _request(database)
    client = as_user("staff1")
    tags = [_tag(client)]
    other = _request(database)
    tags.append(_tag(client))
    act(database, "supervisor1", request.number, Action.urge, note="快")
    tags.append(_tag(client))
    act(database, "staff2", other.number, Action.claim)
    tags.append(_tag(client))
    assert len(set(tags)) == 4
    assert _poll(client, tag=tags[0]).status_code == 200  # an old copy is replaced
    assert _poll(client, tag=tags[-1]).status_code == 304


def test_a_flag_changing_with_the_clock_changes_the_tag(database, as_user, monkeypatch):
    _request(database)
    client = as_user("staff1")
    tag = _tag(client)
    assert _poll(client, tag=tag).status_code == 304
    # Nothing in the database changed, but a week on the request is overdue: its flag shows.
    later = utcnow() + timedelta(days=7)
    monkeypatch.setattr(freshness, "utcnow", lambda: later)
    assert _poll(client, tag=tag).status_code == 200


def test_a_renamed_requester_changes_the_tag(database, as_user):
    _request(database)
    client = as_user("staff1")
    tag = _tag(client)
    database.run(lambda s: s.execute(update(Person).where(Person.username == "member1").values(display_name="新名字")))
    response = _poll(client, tag=tag)
    assert response.status_code == 200 and "新名字" in response.text


def test_another_viewers_tag_is_never_confirmed(database, as_user):
    _request(database)
    first, second = as_user("staff1"), as_user("staff2")
    tag = _tag(first)
    # The same queue, but staff2's forms carry staff2's token: the copy is not theirs.
    response = _poll(second, tag=tag)
    assert response.status_code == 200 and response.headers["etag"] != tag
    assert second.csrf in response.text and first.csrf not in response.text


def test_another_language_is_another_copy(database, as_user):
    _request(database)
    client = as_user("staff1")
    tag = _tag(client)
    client.cookies.set("lianxin_lang", "en")
    response = _poll(client, tag=tag)
    assert response.status_code == 200 and "Claim" in response.text


def test_a_leads_choices_follow_the_colleagues_load(database, as_user):
    held = _request(database)
    act(database, "staff1", held.number, Action.claim)
    _request(database)  # waits in the queue, with a lead's assign choice
    lead = as_user("lead1")
    tag = _tag(lead)
    assert _poll(lead, tag=tag).status_code == 304
    # staff1 finishes the task: the queue's rows are the same, but its choices show the load.
    act(database, "staff1", held.number, Action.complete, note="办好了")
    assert _poll(lead, tag=tag).status_code == 200


def test_the_board_lists_answer_304_too(database, as_user):
    client = as_user("dispatcher1")
    url = "/dispatch?part=new"
    tag = _tag(client, url)
    assert _poll(client, url, tag).status_code == 304
    submit(database, "member1", "misc.other")  # no routing rule: waits on the board
    response = _poll(client, url, tag)
    assert response.status_code == 200 and response.headers["etag"] != tag
