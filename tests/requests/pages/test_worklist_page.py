"""The work-list page frame the desk and the dispatch board share (and the overdue list will):
which block an htmx request gets, which sections load, which actions a row may post, and the
"more" links. No database: the pages' own tests cover the rest."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from server.enums import Action
from server.errors import NotFound
from server.requests.pages.board import PAGE as BOARD
from server.requests.pages.desk import PAGE as DESK
from server.requests.pages.panels import SPECS, parse_action
from server.requests.pages.worklist_page import WorkListPage

PAGE = WorkListPage(
    path="/list", template="list.html", sections=("late", "later"),
    actions=frozenset({Action.urge}), done={Action.urge: "{number} is urged."},
)


def request(headers: dict[str, str] | None = None) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return Request({"type": "http", "method": "GET", "path": "/list", "query_string": b"", "headers": raw})


def test_parts_are_the_sections_and_their_rows():
    assert PAGE.parts == {"late", "later", "late_rows", "later_rows"}
    assert DESK.parts == {"queue", "tasks", "team", "queue_rows", "tasks_rows", "team_rows"}


@pytest.mark.parametrize(("headers", "part", "block"), [
    ({"HX-Request": "true"}, "late", "late"),
    ({"HX-Request": "true"}, "later_rows", "later_rows"),
    ({"HX-Request": "true"}, "content", None),  # a block of the layout is not a part
    ({"HX-Request": "true"}, None, None),
    ({}, "late", None),  # without htmx the same address is the whole page
    ({"HX-Request": "true", "HX-Boosted": "true"}, "late", None),
])
def test_block_only_for_htmx_and_known_parts(headers, part, block):
    assert PAGE.block(request(headers), part) == block


def test_wanted_sections():
    assert PAGE.wanted("later_rows") == {"later"}
    assert PAGE.wanted(None) == {"late", "later"}
    assert PAGE.wanted(None, {"late"}) == {"late"}


def test_a_row_posts_only_the_pages_actions():
    assert PAGE.action("urge") == Action.urge
    for name in ("claim", "no-such-action", ""):
        with pytest.raises(NotFound):
            PAGE.action(name)
    # The desk's rows do not complete; the board's do not claim.
    with pytest.raises(NotFound):
        DESK.action("complete")
    with pytest.raises(NotFound):
        BOARD.action("claim")


def test_the_request_page_takes_any_panel_action():
    assert {parse_action(a.value) for a in SPECS} == set(SPECS)
    with pytest.raises(NotFound):
        parse_action("auto_close")  # the system's, never a panel's


def test_an_unknown_section_falls_back():
    assert PAGE.section("later", default="late") == "later"
    assert PAGE.section("team", default="late") == "late"


def test_more_links_keep_the_pages_choices():
    more = PAGE.more("later", "abc", {"sort": "oldest"})
    assert more.href == "/list?sort=oldest&later_after=abc"
    assert more.fragment == "/list?sort=oldest&later_after=abc&part=later_rows"
    assert PAGE.more("late", "x=y", {}).href == "/list?late_after=x%3Dy"
