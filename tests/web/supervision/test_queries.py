"""The dashboard makes a fixed, small number of SQL statements whatever the data: the session,
the catalogue check and metrics.overview()'s own (tests/metrics fixes those)."""

from __future__ import annotations

import pytest

from tests.metrics import scenario
from tests.requests.helpers import submit

WEEK = "period=custom&from=2026-11-02&to=2026-11-08"
# The session and its person (1), the catalogue revision (1), overview()'s seven: rollup by day,
# durations, by department, the live set, by service, open now, by enterprise (see
# tests/metrics/test_service.py). Nothing per department, week, service or enterprise shown.
MOST = 9


def _count(client, database, count_queries, url) -> tuple[int, str]:
    with count_queries(database) as counter:
        assert client.get(url).status_code == 200
    return counter.count, str(counter)


@pytest.mark.parametrize("filters", ["", "&department=union", "&service=union.join", "&enterprise=E1"])
def test_the_dashboard_query_count_is_fixed(database, as_user, world, week, count_queries, filters):
    filters = filters.replace("E1", str(world["member1"].enterprise_id))
    client = as_user("supervisor1")
    url = f"/supervision?{WEEK}{filters}"
    client.get(url)  # warm the catalogue cache
    first, listing = _count(client, database, count_queries, url)
    for day in range(4, 8):  # more requests on more days, more enterprises' demand: the same statements
        submit(database, "member2", "union.join", answers={"people": 1}, now=scenario.local(day, 10))
        submit(database, "member1", "legal.aid", now=scenario.local(day, 11))
    client.get(url)  # round-robin routing changed a department: the catalogue is read again once
    again, again_listing = _count(client, database, count_queries, url)
    assert again == first, f"before:\n{listing}\nafter:\n{again_listing}"
    assert first <= MOST, listing


def test_a_leads_dashboard_makes_no_more(database, as_user, week, count_queries):
    client = as_user("lead1")
    client.get(f"/supervision?{WEEK}")
    count, listing = _count(client, database, count_queries, f"/supervision?{WEEK}")
    assert count <= MOST, listing
