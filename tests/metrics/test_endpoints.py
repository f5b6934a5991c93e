"""GET /api/v1/metrics... on the hand-worked week of tests/metrics/scenario.py; who may ask;
bad input is a 422 problem, never a 500."""

from __future__ import annotations

import pytest

from server.enums import RequestStatus
from server.metrics import definitions as d
from tests.metrics import scenario
from tests.metrics.helpers import all_requests

URL = "/api/v1/metrics"
WEEK = {"from": "2026-11-02", "to": "2026-11-08"}


@pytest.fixture
def week(database, world):
    return scenario.build(database)


def test_figures_of_the_hand_worked_week(client, auth, week, database):
    response = client.get(URL, params=WEEK, headers=auth("supervisor1"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["from"] == "2026-11-02" and body["to"] == "2026-11-08" and body["department"] is None
    assert body["counts"] == {
        "submitted": 6, "dispatched": 4, "claimed": 3, "completed": 3, "closed": 2, "cancelled": 1,
        "rejected": 1, "overdue": 3, "returns": 0, "reworks": 1,
        "rated": {"satisfied": 1, "basically_satisfied": 1, "unsatisfied": 0},
    }
    assert body["rates"] == pytest.approx({
        "response": 0.5, "resolution": 0.75, "satisfaction": 0.95, "satisfaction_share": 1.0,
        "unrated_share": 0.0, "on_time": 1.0,
    })
    assert body["composite"] == 80.5
    assert body["average_rating"] == 2.5
    # Durations: percentile_cont of the tenths the transitions stamped, in hours.
    requests = all_requests(database)
    for kind in ("dispatch", "claim", "complete"):
        values = [getattr(r, f"tenths_to_{kind}") for r in requests if getattr(r, f"tenths_to_{kind}") is not None]
        assert body["durations"][f"{kind}_p50"] == round(d.percentile(values, 0.5) / 10, 2)
        assert body["durations"][f"{kind}_p90"] == round(d.percentile(values, 0.9) / 10, 2)
    # R6 claimed half a working hour after submission, R1 one, R2 12.5 (Mon 7.5 + Tue 5).
    assert sorted(r.tenths_to_claim for r in requests if r.tenths_to_claim is not None) == [5, 10, 125]
    assert body["durations"]["claim_p50"] == 1.0
    # The week before: nothing — counts 0, every rate null, never 0 or an error.
    previous = body["previous"]
    assert previous["from"] == "2026-10-26" and previous["to"] == "2026-11-01"
    assert previous["counts"]["submitted"] == 0
    assert set(previous["rates"].values()) == {None}
    assert previous["composite"] is None and previous["average_rating"] is None
    assert set(previous["durations"].values()) == {None}


def test_filters_narrow_the_figures(client, auth, week, world):
    h = auth("supervisor1")
    legal = client.get(URL, params={**WEEK, "department": "legal"}, headers=h).json()
    assert legal["counts"]["submitted"] == 0 and legal["rates"]["response"] is None
    union = client.get(URL, params={**WEEK, "department": "union"}, headers=h).json()
    assert union["counts"]["submitted"] == 4 and union["department"] == "union"
    other = client.get(URL, params={**WEEK, "service": "misc.other"}, headers=h).json()
    assert (other["counts"]["submitted"], other["counts"]["rejected"], other["counts"]["cancelled"]) == (2, 1, 1)
    assert other["rates"]["resolution"] is None  # both cancelled or rejected: no figure
    e2 = world["member2"].enterprise_id
    by_enterprise = client.get(URL, params={**WEEK, "enterprise": str(e2)}, headers=h).json()
    assert by_enterprise["counts"]["submitted"] == 2  # R3, R4
    assert by_enterprise["rates"]["response"] == 0.0  # R3 never claimed, past due
    mass = client.get(URL, params={**WEEK, "category": "mass", "building": "A1"}, headers=h).json()
    assert mass["counts"]["submitted"] == 6  # the demo requester's enterprise building


def test_department_and_staff_rows(client, auth, week):
    h = auth("supervisor1")
    rows = {r["department"]: r for r in client.get(URL + "/departments", params=WEEK, headers=h).json()["departments"]}
    assert set(rows) == {"union", "legal", "care"}
    union = rows["union"]
    assert (union["load"], union["submitted"], union["completed"], union["reworks"], union["overdue"]) == (2, 4, 3, 1, 3)
    assert union["rates"]["response"] == pytest.approx(0.5)
    assert union["composite"] == 80.5  # all of the week's resolvable requests are union's
    assert rows["legal"]["submitted"] == 0 and rows["legal"]["composite"] is None
    staff = client.get(URL + "/staff", params={**WEEK, "department": "union"}, headers=h).json()
    people = {r["username"]: r for r in staff["staff"]}
    assert set(people) == {"staff1", "staff2", "lead1"}
    assert (people["staff1"]["completed"], people["staff1"]["load"], people["staff1"]["rates"]["response"]) == (2, 0, 0.5)
    assert (people["staff2"]["completed"], people["staff2"]["load"]) == (1, 1)
    assert people["staff1"]["average_rating"] == 2.5
    assert people["lead1"]["composite"] is None


def test_red_black_list_of_the_month(client, auth, week):
    body = client.get(URL + "/redblack", params={"month": "2026-11"}, headers=auth("admin1")).json()
    assert body["month"] == "2026-11"
    # union alone has 5 requests or more? It has 4: nobody is ranked.
    assert body == {"month": "2026-11", "red": [], "black": []}


def test_who_may_ask(client, auth, week):
    for username in ("supervisor1", "admin1"):
        assert client.get(URL, params=WEEK, headers=auth(username)).status_code == 200
    lead = client.get(URL, params=WEEK, headers=auth("lead1"))
    assert lead.status_code == 200 and lead.json()["department"] == "union"  # forced to their department
    assert lead.json()["counts"]["submitted"] == 4
    assert client.get(URL, params={**WEEK, "department": "legal"}, headers=auth("lead1")).status_code == 403
    assert client.get(URL + "/staff", params={"department": "legal"}, headers=auth("lead1")).status_code == 403
    rows = client.get(URL + "/departments", params=WEEK, headers=auth("lead1")).json()["departments"]
    assert [r["department"] for r in rows] == ["union"]
    assert client.get(URL + "/staff", headers=auth("lead1")).json()["department"] == "union"
    for username in ("staff1", "member1", "dispatcher1", "contact1"):
        for path in ("", "/departments", "/staff?department=union", "/redblack"):
            assert client.get(URL + path, headers=auth(username)).status_code == 403, (username, path)
    for path in ("", "/departments", "/staff", "/redblack"):
        assert client.get(URL + path).status_code == 401


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-13-01"},
        {"from": "2026-02-30"},
        {"from": "２０２６-01-01"},
        {"to": "yesterday"},
        {"from": "2026-11-09", "to": "2026-11-08"},
        {"from": "2025-01-01", "to": "2026-11-08"},
        {"department": "nope"},
        {"service": "nope"},
        {"category": "nope"},
        {"building": "Z9"},
        {"enterprise": "abc"},
        {"enterprise": "999999"},
        {"enterprise": "9" * 40},
    ],
)
def test_bad_filters_are_422(client, auth, world, params):
    response = client.get(URL, params=params, headers=auth("supervisor1"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("month", ["2026-13", "26-11", "2026-1", "x"])
def test_bad_month_is_422(client, auth, world, month):
    assert client.get(URL + "/redblack", params={"month": month}, headers=auth("supervisor1")).status_code == 422


def test_staff_needs_a_department_for_supervisors(client, auth, world):
    assert client.get(URL + "/staff", headers=auth("supervisor1")).status_code == 422


def test_defaults_to_the_last_30_days(client, auth, world):
    body = client.get(URL, headers=auth("supervisor1")).json()
    from datetime import date

    start, end = date.fromisoformat(body["from"]), date.fromisoformat(body["to"])
    assert (end - start).days == 29
    assert body["previous"]["to"] == str(start.fromordinal(start.toordinal() - 1))


def test_statuses_of_the_week(database, week):
    # The scenario is what its docstring says.
    statuses = sorted(str(r.status) for r in all_requests(database))
    assert statuses == sorted(["closed", "closed", "dispatched", "rejected", "cancelled", str(RequestStatus.claimed)])
