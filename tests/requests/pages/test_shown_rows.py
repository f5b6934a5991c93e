"""A list's refresh after "Show more": the desk's and the board's sections fetch themselves
again as a whole (the 15-second poll, a live update), and say with ``?shown=<n>`` how many rows
the person has on screen (poll.js). The refresh renders the list through at least those rows,
current (rows that left are gone, new ones in), never collapsing to its first page under the
person reading it (server.requests.pages.worklist_page.window)."""

from __future__ import annotations

import re

from server.enums import Action
from server.requests import worklists
from server.requests.pages import worklist_page
from tests.requests.helpers import act, submit
from tests.requests.pages import worklist_support
from tests.requests.pages.worklist_support import HTMX

world = worklist_support.world
as_user = worklist_support.as_user

QUEUE = "/desk?part=queue&sort=oldest"


def _queue(database, count: int) -> list[str]:
    return [submit(database, "member1", "union.join", answers={"people": 2}).number for _ in range(count)]


def _rows(html: str) -> list[str]:
    return re.findall(r'<li class="work-row[^"]*" id="queue-([^"]+)"', html)


def test_a_refresh_after_show_more_keeps_the_rows_loaded(database, as_user, monkeypatch):
    monkeypatch.setattr(worklists, "PAGE_SIZE", 2)
    numbers = _queue(database, 5)
    client = as_user("staff1")
    first = client.get(QUEUE, headers=HTMX).text
    assert _rows(first) == numbers[:2]
    assert 'data-rows=".work-row"' in first  # what poll.js counts
    more = re.search(r'class="work-more">\s*<a [^>]*hx-get="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert _rows(client.get(more, headers=HTMX).text) == numbers[2:4]

    # The poll, with the four rows now on screen: all four, and "more" for the fifth.
    poll = client.get(f"{QUEUE}&shown=4", headers=HTMX)
    assert poll.status_code == 200
    assert poll.text.strip().startswith('<section id="desk-queue"')
    assert _rows(poll.text) == numbers[:4]
    more = re.search(r'class="work-more">\s*<a [^>]*hx-get="([^"]+)"', poll.text).group(1).replace("&amp;", "&")
    assert _rows(client.get(more, headers=HTMX).text) == numbers[4:]

    # The list as it is now: a row claimed elsewhere leaves it, a new one comes in.
    act(database, "staff2", numbers[1], Action.claim)
    newer = _queue(database, 1)
    assert _rows(client.get(f"{QUEUE}&shown=4", headers=HTMX).text) == [numbers[0], *numbers[2:5]]
    assert _rows(client.get(f"{QUEUE}&shown=5", headers=HTMX).text) == [numbers[0], *numbers[2:5], *newer]
    # A part of a page (three rows on screen) is the whole page it is in.
    assert len(_rows(client.get(f"{QUEUE}&shown=3", headers=HTMX).text)) == 4


def test_the_tag_of_a_refresh_covers_every_row_it_shows(database, as_user, monkeypatch):
    # A change past the first page, in a row the person loaded, is not a 304.
    monkeypatch.setattr(worklists, "PAGE_SIZE", 2)
    numbers = _queue(database, 6)
    client = as_user("staff1")
    poll = client.get(f"{QUEUE}&shown=4", headers=HTMX)
    tag = poll.headers["etag"]
    assert client.get(f"{QUEUE}&shown=4", headers={**HTMX, "If-None-Match": tag}).status_code == 304
    assert client.get(QUEUE, headers={**HTMX, "If-None-Match": tag}).status_code == 200  # not the same block
    act(database, "staff2", numbers[3], Action.claim)
    again = client.get(f"{QUEUE}&shown=4", headers={**HTMX, "If-None-Match": tag})
    assert again.status_code == 200 and numbers[3] not in again.text
    assert _rows(again.text) == [*numbers[:3], numbers[4]]


def test_a_bad_or_huge_count_is_ignored_or_capped(database, as_user, monkeypatch):
    monkeypatch.setattr(worklists, "PAGE_SIZE", 2)
    monkeypatch.setattr(worklist_page, "MAX_SHOWN", 4)
    numbers = _queue(database, 6)
    client = as_user("staff1")
    for bad in ("abc", "-3", "1.5", "", "٣", "0"):
        response = client.get(f"{QUEUE}&shown={bad}", headers=HTMX)
        assert response.status_code == 200 and _rows(response.text) == numbers[:2], bad
    capped = client.get(f"{QUEUE}&shown=9999999999", headers=HTMX)
    assert capped.status_code == 200 and _rows(capped.text) == numbers[:4] and "work-more" in capped.text
    assert client.get(f"{QUEUE}&shown=99999999999", headers=HTMX).status_code == 422  # not a count of ours


def test_the_board_keeps_its_loaded_rows_too(database, as_user, monkeypatch):
    monkeypatch.setattr(worklists, "PAGE_SIZE", 2)
    numbers = [submit(database, "member1", "misc.other").number for _ in range(3)]
    client = as_user("dispatcher1")
    first = client.get("/dispatch?part=new", headers=HTMX).text
    assert sum(n in first for n in numbers) == 2 and 'data-rows=".work-row"' in first
    poll = client.get("/dispatch?part=new&shown=3", headers=HTMX).text
    assert all(n in poll for n in numbers)


def test_only_a_section_fetching_itself_gets_a_window(database, as_user, monkeypatch):
    """The whole page shows first pages whatever ?shown= says: only poll.js's refresh of one
    section asks for more (else one address would render every list at the cap)."""
    monkeypatch.setattr(worklists, "PAGE_SIZE", 2)
    numbers = _queue(database, 5)
    client = as_user("staff1")
    page = client.get("/desk?sort=oldest&shown=5")
    assert page.status_code == 200 and _rows(page.text) == numbers[:2]


def test_a_window_past_the_first_page_is_not_kept(database, as_user, monkeypatch):
    """Rendered afresh each time: kept, every change of a long window would hold up to
    MAX_SHOWN rendered rows in the process and push other desks' rows out of the cache."""
    from server.requests.pages import row_cache

    monkeypatch.setattr(worklists, "PAGE_SIZE", 2)
    _queue(database, 5)
    client = as_user("staff1")
    client.get(QUEUE, headers=HTMX)  # a first page: kept as before
    with database.read() as session:
        rows, lists = (len(row_cache.for_session(session, kind)) for kind in (row_cache.ROWS, row_cache.LISTS))
    assert rows and lists
    assert len(_rows(client.get(f"{QUEUE}&shown=5", headers=HTMX).text)) == 5
    with database.read() as session:
        assert (len(row_cache.for_session(session, row_cache.ROWS)),
                len(row_cache.for_session(session, row_cache.LISTS))) == (rows, lists)
