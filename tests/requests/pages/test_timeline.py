"""The request page's history: who a request was assigned to and by whom, in the glossary's
words (接单 for claim, 放弃 for release ...), whatever the order of events."""

from __future__ import annotations

import re

import pytest

from server.enums import Action
from tests.factories import build_world
from tests.requests.helpers import act, submit
from tests.requests.pages.requester_helpers import client_for


@pytest.fixture
def world(database):
    return build_world(database)


def _events(html: str) -> list[str]:
    timeline = re.search(r'<section id="timeline-.*?</section>', html, re.S).group(0)
    items = re.findall(r'<li class="event.*?</li>', timeline, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip() for item in items]


def test_the_timeline_says_who_it_was_assigned_to_and_by_whom(app, world, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    act(database, "lead1", number, Action.assign, assignee="staff2")
    act(database, "staff2", number, Action.release, note="下周出差")
    act(database, "staff1", number, Action.claim)
    events = _events(client_for(app, "lead1").get(f"/requests/{number}").text)
    assigned = next(e for e in events if e.startswith("已指派给"))
    assert assigned.startswith("已指派给 Staff2") and "由 Lead1 指派" in assigned
    released = next(e for e in events if e.startswith("已放弃"))
    assert "Staff2" in released and "下周出差" in released
    assert any(e.startswith("已接单") and "Staff1" in e for e in events)
    assert not any("认领" in e for e in events)


def test_a_rule_that_assigns_is_named_as_such(app, world, database):
    # legal assigns round-robin: the system gives the task to a person on dispatch.
    number = submit(database, "member1", "misc.other").number
    act(database, "dispatcher1", number, Action.dispatch, department_code="legal")
    events = _events(client_for(app, "dispatcher1").get(f"/requests/{number}").text)
    assigned = next(e for e in events if e.startswith("已指派给"))
    assert "Staff3" in assigned and "按部门规则自动指派" in assigned


def test_the_timeline_in_english(app, world, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    act(database, "lead1", number, Action.assign, assignee="staff2")
    client = client_for(app, "lead1")
    client.cookies.set("lianxin_lang", "en")
    events = _events(client.get(f"/requests/{number}").text)
    assert any(e.startswith("Assigned to Staff2") and "assigned by Lead1" in e for e in events)


def test_a_release_by_the_lead_names_whose_task_it_was(app, world, database):
    number = submit(database, "member1", "union.join", answers={"people": 1}).number
    act(database, "lead1", number, Action.assign, assignee="staff2")
    act(database, "lead1", number, Action.release, note="Staff2 请假，重新安排")
    act(database, "staff1", number, Action.claim)
    act(database, "staff1", number, Action.release, note="换人")
    releases = [e for e in _events(client_for(app, "lead1").get(f"/requests/{number}").text) if e.startswith("已放弃")]
    assert len(releases) == 2
    assert "原承办人：Staff2" in releases[0] and "Lead1" in releases[0]
    assert "原承办人" not in releases[1]  # staff1 gave back their own task: nothing to add
