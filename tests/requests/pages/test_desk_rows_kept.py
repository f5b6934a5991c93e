"""The desk keeps its rendered rows (server.requests.pages.row_cache): a kept row makes the very
same page as rendering it again, for every viewer and language; any change to a request, made
by this process or another one, shows at the next render; a flag changing with the clock is
never frozen; each viewer's forms carry their own CSRF token; the cache is bounded."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from server.db import Database
from server.enums import Action
from server.models import Person, utcnow
from server.requests.pages import desk, row_cache, worklist
from tests.requests.helpers import act, submit
from tests.requests.pages import worklist_support
from tests.requests.pages.worklist_support import section

world = worklist_support.world
as_user = worklist_support.as_user

TOKENS = re.compile(r'name="csrf_token" value="([^"]*)"')


def _request(database, **kwargs):
    return submit(database, "member1", "union.join", answers={"people": 2}, **kwargs)


def _cache(database, kind: str = row_cache.ROWS) -> row_cache.RowCache:
    with database.read() as session:
        return row_cache.for_session(session, kind)


class Hits:
    """How many rows and whole lists the renders since the last ``reset()`` took from the cache."""

    def __init__(self):
        self.found: list[row_cache.RowCache] = []

    def reset(self):
        self.found.clear()

    def of(self, database, kind: str = row_cache.ROWS) -> int:
        cache = _cache(database, kind)
        return sum(c is cache for c in self.found)


@pytest.fixture
def counted_hits(monkeypatch):
    hits = Hits()
    original = row_cache.RowCache.get

    def get(self, key):
        found = original(self, key)
        if found is not None:
            hits.found.append(self)
        return found

    monkeypatch.setattr(row_cache.RowCache, "get", get)
    return hits


def _message(database, username: str, number: str, text: str) -> None:
    from server.accounts.people_repository import person_by_username
    from server.requests import repository
    from server.requests import service as request_service

    def work(session):
        person = person_by_username(session, username)
        request_service.post_message(session, person, repository.get_visible(session, person, number), text)

    database.run(work)


def _rows_in_many_states(database) -> dict[str, str]:
    """Rows of the desk in different states, by what they are."""
    waiting = _request(database)
    urged = _request(database)
    act(database, "supervisor1", urged.number, Action.urge, note="请尽快")
    late = _request(database, now=utcnow() - timedelta(days=60))  # overdue to claim: a red flag
    held = act(database, "staff1", _request(database).number, Action.claim)
    paused = act(database, "staff1", _request(database).number, Action.claim)
    act(database, "staff1", paused.number, Action.suspend, note="等企业补材料")
    _message(database, "member1", paused.number, "材料已备齐")
    colleague = act(database, "staff2", _request(database).number, Action.claim)  # the team's, for a lead
    leads = act(database, "lead1", _request(database).number, Action.claim)  # the lead's own task
    return {"waiting": waiting.number, "urged": urged.number, "late": late.number, "held": held.number,
            "paused": paused.number, "colleague": colleague.number, "leads": leads.number}


@pytest.mark.parametrize("username", ["staff1", "lead1"])
@pytest.mark.parametrize("language", ["zh-Hans", "en"])
def test_kept_rows_make_the_same_page_as_rendering_every_row(database, as_user, monkeypatch, counted_hits,
                                                              username, language):
    numbers = _rows_in_many_states(database)
    client = as_user(username)
    client.cookies.set("lianxin_lang", language)
    first = client.get("/desk").text  # every row and list rendered, and kept
    rows = first.count('<li class="work-row')
    lists = first.count('<section id="desk-')
    assert rows >= 5 and len(_cache(database)) == rows and len(_cache(database, row_cache.LISTS)) == lists
    counted_hits.reset()
    again = client.get("/desk").text  # every list (and so every row) from the cache
    assert counted_hits.of(database) == rows and counted_hits.of(database, row_cache.LISTS) == lists
    assert again == first
    # A list with a row that changed is rendered again, around the rows that did not.
    act(database, "supervisor1", numbers["waiting"], Action.urge, note="快")
    counted_hits.reset()
    changed = client.get("/desk").text
    assert counted_hits.of(database) == rows - 1 and counted_hits.of(database, row_cache.LISTS) == lists - 1
    assert changed != first
    monkeypatch.setattr(desk, "PAGE", dataclasses.replace(desk.PAGE, keeps_rows=False))
    assert client.get("/desk").text == changed
    # What the rows show, for the record: their states, a flag, an urge, a reply, the forms.
    assert "chip-flag-red" in section(first, "desk-queue") and numbers["late"] in first
    assert set(TOKENS.findall(first)) == {client.csrf}
    if username == "lead1":
        team = section(first, "desk-team")
        assert numbers["colleague"] in team and "材料已备齐" in team and 'name="assignee"' in team
        assert numbers["leads"] in section(first, "desk-tasks")
    else:
        assert "材料已备齐" in section(first, "desk-tasks")


def test_a_change_made_by_another_worker_shows_at_the_next_render(database, db_url, settings, as_user,
                                                                  counted_hits):
    numbers = _rows_in_many_states(database)
    client = as_user("staff1")
    client.get("/desk")
    other = Database(db_url, settings)  # another worker: its own engine and its own cache
    try:
        def page_after(change, some_kept: bool = True) -> str:
            change()
            counted_hits.reset()
            html = client.get("/desk").text
            assert (counted_hits.of(database) > 0) == some_kept  # the unchanged rows still come from the cache
            return html

        html = page_after(lambda: act(other, "supervisor1", numbers["waiting"], Action.urge, note="快"))
        assert re.search(rf'id="queue-{numbers["waiting"]}".*?work-urged', html, re.S)
        html = page_after(lambda: act(other, "staff2", numbers["urged"], Action.claim))
        assert numbers["urged"] not in section(html, "desk-queue")
        html = page_after(lambda: act(other, "staff1", numbers["held"], Action.complete, note="办好了"))
        assert numbers["held"] not in section(html, "desk-tasks")
        html = page_after(lambda: act(other, "member1", numbers["held"], Action.rework, note="没办完"))
        assert numbers["held"] in section(html, "desk-tasks")
        html = page_after(lambda: act(other, "staff1", numbers["paused"], Action.resume))
        paused_row = re.search(rf'<li[^>]*id="tasks-{numbers["paused"]}".*?</li>', html, re.S).group(0)
        assert "chip-status-claimed" in paused_row and "/resume" not in paused_row
        html = page_after(lambda: _message(other, "member1", numbers["held"], "还差一份表"))
        assert "还差一份表" in section(html, "desk-tasks")
        # A person renamed is no new version of their requests: their rows (here: all of them)
        # show the new name.
        html = page_after(lambda: other.run(lambda s: s.execute(
            update(Person).where(Person.username == "member1").values(display_name="新名字"))), some_kept=False)
        assert "新名字" in section(html, "desk-queue") and "新名字" in section(html, "desk-tasks")
    finally:
        other.dispose()
    # And what the page shows now is what rendering every row again shows.
    assert html == client.get("/desk").text


def test_a_flag_changing_with_the_clock_is_not_kept(database, as_user, monkeypatch):
    number = _request(database).number
    client = as_user("staff1")
    row = rf'<li[^>]*id="queue-{number}".*?</li>'
    assert "chip-flag" not in re.search(row, client.get("/desk").text, re.S).group(0)
    # Nothing in the database changed, but a week on the request is overdue: its flag shows.
    later = utcnow() + timedelta(days=7)
    monkeypatch.setattr(worklist, "utcnow", lambda: later)
    assert "chip-flag-red" in re.search(row, client.get("/desk").text, re.S).group(0)


def test_each_viewer_gets_their_own_token_in_kept_rows(database, as_user, counted_hits):
    _rows_in_many_states(database)
    first, second = as_user("staff1"), as_user("staff1")  # one person, two sessions
    assert first.csrf != second.csrf
    first.get("/desk")
    counted_hits.reset()
    html = second.get("/desk").text
    assert counted_hits.of(database, row_cache.LISTS) == 2  # the lists first's page kept
    assert set(TOKENS.findall(html)) == {second.csrf}
    assert first.csrf not in html and row_cache.CSRF_SLOT not in html
    assert f'"X-CSRF-Token": "{second.csrf}"' in html
    # Another person's desk shows the same requests, with their own actions and token.
    other = as_user("staff2").get("/desk").text
    assert set(TOKENS.findall(other)) - {first.csrf, second.csrf} and first.csrf not in other


def test_the_kept_rows_are_bounded(database, as_user, monkeypatch):
    cache = row_cache.RowCache(max_rows=3)
    for key in "abcd":
        cache.put(key, f"<li>{key}</li>")
    assert len(cache) == 3 and cache.get("a") is None  # the oldest went
    cache.get("b")  # used: now the newest
    cache.put("e", "<li>e</li>")
    assert cache.get("b") == "<li>b</li>" and cache.get("c") is None

    monkeypatch.setattr(row_cache, "MAX_ROWS", 3)
    _rows_in_many_states(database)
    client = as_user("staff1")
    html = client.get("/desk").text
    assert html.count('<li class="work-row') > 3 and len(_cache(database)) == 3
    assert client.get("/desk").text == html


def test_a_row_answered_after_an_action_is_not_kept(database, as_user):
    from tests.requests.pages.worklist_support import hx_post

    held = act(database, "staff1", _request(database).number, Action.claim)
    client = as_user("staff1")
    client.get("/desk")
    kept = len(_cache(database))
    response = hx_post(client, f"/desk/requests/{held.number}/resume", data={"version": held.version, "section": "tasks"})
    assert response.status_code == 409  # not suspended: refused, shown in the row
    assert len(_cache(database)) == kept
    assert 'role="alert"' not in client.get("/desk").text
