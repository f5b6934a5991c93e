"""Crafted, stale and foreign cursors on every paged list — the API's request list, my
requests, the desk's and the dispatch board's sections — are a clear 422, never a 500 and never
a silent restart (issue 7: ``?cursor=W10``, an id of 2⁶³, a null or naive ``due`` gave 500s)."""

from __future__ import annotations

import pytest

from server import paging
from tests.requests.cursor_cases import crafted
from tests.requests.helpers import submit
from tests.requests.pages.worklist_support import HTMX, as_user, world  # noqa: F401  (fixtures)


def test_a_good_cursor_still_pages(database, as_user):  # noqa: F811
    for _ in range(3):
        submit(database, "member1", "misc.other")
    answer = as_user("member1").get("/requests")
    assert answer.status_code == 200


PAGE_LISTS = [
    ("staff1", "/desk", "queue_after", {"sort": "due"}, "queue:due", ("dt", "int")),
    ("staff1", "/desk", "queue_after", {"sort": "oldest"}, "queue:oldest", ("int",)),
    ("staff1", "/desk", "queue_after", {"sort": "overdue"}, "queue:overdue", ("int", "dt", "int")),
    ("staff1", "/desk", "tasks_after", {}, "mine", ("dt", "int")),
    ("lead1", "/desk", "team_after", {}, "team", ("dt", "int")),
    ("dispatcher1", "/dispatch", "new_after", {}, "waiting:0", ("int",)),
    ("dispatcher1", "/dispatch", "returned_after", {}, "waiting:1", ("int",)),
    ("dispatcher1", "/dispatch", "dispatched_after", {}, "dispatched", ("int",)),
    ("member1", "/requests", "cursor", {}, "requests:newest", ("int",)),
]


@pytest.mark.parametrize(("username", "path", "param", "extra", "name", "kinds"), PAGE_LISTS,
                         ids=[f"{p[1]}-{p[2]}-{p[4]}" for p in PAGE_LISTS])
def test_pages_refuse_every_crafted_cursor_with_a_422_page(as_user, username, path, param, extra, name, kinds):  # noqa: F811
    client = as_user(username)
    for cursor in crafted(name, kinds):
        for headers in ({}, HTMX):
            response = client.get(path, params={**extra, param: cursor, "part": param.removesuffix("_after") + "_rows"},
                                  headers=headers)
            assert response.status_code == 422, (cursor, response.text[:500])
            assert "text/html" in response.headers["content-type"]


def test_an_encoded_cursor_decodes_to_its_values():
    keys = [paging.Key(None, "dt"), paging.Key(None, "int")]
    from datetime import UTC, datetime

    when = datetime(2026, 11, 26, 2, tzinfo=UTC)
    assert paging.decode(paging.encode("x", [when, 2**63 - 1]), "x", keys) == [when, 2**63 - 1]
