"""The pioneer index's JSON API: a member's own score and records, nobody else's (404), the
centre's ranking and shortlist, the records written and withdrawn, problem+json for bad input,
and the OpenAPI document's promises (schemathesis over these operations)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.pioneer import service
from server.pioneer.periods import quarter_of
from tests.factories import PASSWORD
from tests.pioneer.helpers import BRANCH_A, make_party


@pytest.fixture
def party(database, world):
    return make_party(database, world)


@pytest.fixture
def client(settings, database):
    with TestClient(create_app(settings, database)) as client:
        yield client


@pytest.fixture
def auth(client, world):
    tokens: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            answer = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            assert answer.status_code == 200, answer.text
            tokens[username] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        return tokens[username]

    return headers


def _day() -> str:
    return quarter_of(service.today()).start.isoformat()


def test_the_centre_records_and_the_member_reads_their_score(client, auth, party):
    hours = client.post("/api/v1/pioneer/hours", headers=auth("dispatcher1"),
                        json={"person_id": party["member1"], "day": _day(), "hours": 2.5, "what": "楼宇值守"})
    assert hours.status_code == 201, hours.text
    assert hours.headers["location"] == f"/api/v1/pioneer/hours/{hours.json()['id']}"
    points = client.post("/api/v1/pioneer/points", headers=auth("supervisor1"),
                         json={"person_id": party["member1"], "day": _day(), "points": -2, "reason": "缺席"})
    assert points.status_code == 201, points.text
    attendance = client.post("/api/v1/pioneer/attendance", headers=auth("dispatcher1"), json={
        "name": "主题党日", "kind": "theme_day", "day": _day(), "attendee_ids": [party["member1"], party["member2"]]})
    assert attendance.status_code == 201, attendance.text
    me = client.get("/api/v1/pioneer/me", headers=auth("member1"))
    assert me.status_code == 200
    body = me.json()
    # 10 (theme day) + 5 (2.5 h) − 2 = 13
    assert body["total"] == 13 and body["grade"] == "fair" and body["member"]["party_branch"] == BRANCH_A
    parts = {p["part"]: p for p in body["parts"]}
    assert parts["contribution"]["points"] == -2
    (line,) = parts["service"]["records"]
    assert line["href"] == f"/pioneer/hours/{hours.json()['id']}" and line["points"] == 5
    trend = client.get("/api/v1/pioneer/me/trend", headers=auth("member1")).json()
    assert len(trend) == 4 and trend[-1]["total"] == 13
    own = client.get("/api/v1/pioneer/hours", headers=auth("member1")).json()
    assert [i["id"] for i in own["items"]] == [hours.json()["id"]] and own["next_cursor"] is None
    seen = client.get("/api/v1/pioneer/attendance", headers=auth("member2")).json()["items"]
    assert seen[0]["attendee_ids"] == [party["member2"]]  # not who else came


def test_a_member_sees_nobody_elses_score_or_records(client, auth, party):
    record = client.post("/api/v1/pioneer/hours", headers=auth("dispatcher1"),
                         json={"person_id": party["member2"], "day": _day(), "hours": 1, "what": "x"}).json()
    h = auth("member1")
    answer = client.get(f"/api/v1/pioneer/people/{party['member2']}", headers=h)
    assert answer.status_code == 404 and answer.headers["content-type"] == "application/problem+json"
    assert client.get(f"/api/v1/pioneer/hours/{record['id']}", headers=h).status_code == 404
    assert client.get("/api/v1/pioneer/hours", headers=h, params={"person_id": party["member2"]}).status_code == 403
    assert client.get("/api/v1/pioneer/ranking", headers=h).status_code == 403
    assert client.get("/api/v1/pioneer/shortlist", headers=h).status_code == 403
    assert client.get("/api/v1/pioneer/me", headers=auth("staff1")).status_code == 404  # not a party member
    assert client.post("/api/v1/pioneer/hours", headers=h, json={
        "person_id": party["member1"], "day": _day(), "hours": 1, "what": "自己加"}).status_code == 403
    assert client.post("/api/v1/pioneer/points", headers=auth("dispatcher1"), json={
        "person_id": party["member1"], "day": _day(), "points": 5, "reason": "r"}).status_code == 403


def test_the_ranking_by_branch_and_enterprise(client, auth, party, world):
    client.post("/api/v1/pioneer/hours", headers=auth("dispatcher1"),
                json={"person_id": party["member2"], "day": _day(), "hours": 4, "what": "x"})
    ranking = client.get("/api/v1/pioneer/ranking", headers=auth("supervisor1")).json()
    assert ranking["rows"][0]["member"]["username"] == "member2" and ranking["rows"][0]["parts"]["service"] == 8
    assert len(ranking["rows"]) == 4
    branch = client.get("/api/v1/pioneer/ranking", headers=auth("admin1"), params={"branch": BRANCH_A}).json()
    assert {r["member"]["username"] for r in branch["rows"]} == {"member1", "contact1"}
    enterprise = client.get("/api/v1/pioneer/ranking", headers=auth("admin1"),
                            params={"enterprise": world["member2"].enterprise_id}).json()
    assert [r["member"]["username"] for r in enterprise["rows"]] == ["member2"]
    year = client.get("/api/v1/pioneer/ranking", headers=auth("admin1"), params={"period": "2026"}).json()
    assert year["period"] == {"code": "2026", "kind": "year", "start": "2026-01-01", "end": "2026-12-31"}


@pytest.mark.parametrize(("path", "body", "field"), [
    ("hours", {"hours": 1.25}, "hours"),
    ("hours", {"hours": True}, "hours"),
    ("hours", {"what": ""}, "what"),
    ("hours", {"what": "a\x00b"}, "what"),
    ("hours", {"day": "2999-01-01"}, "day"),
    ("hours", {"person_id": 999999}, "person_id"),
    ("points", {"points": 0}, "points"),
    ("points", {"points": 2.5}, "points"),
    ("points", {"reason": ""}, "reason"),
    ("attendance", {"attendee_ids": []}, "attendee_ids"),
    ("attendance", {"kind": "party"}, "kind"),
    ("attendance", {"speaker_rating": 4.5}, "speaker_rating"),
])
def test_bad_input_is_a_problem_naming_the_field(client, auth, party, path, body, field):
    base = {
        "hours": {"person_id": party["member1"], "day": _day(), "hours": 1, "what": "x"},
        "points": {"person_id": party["member1"], "day": _day(), "points": 3, "reason": "r"},
        "attendance": {"name": "n", "kind": "theme_day", "day": _day(), "attendee_ids": [party["member1"]]},
    }[path]
    answer = client.post(f"/api/v1/pioneer/{path}", headers=auth("admin1"), json={**base, **body})
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert any(key.split(".")[0] == field for key in answer.json()["errors"]), answer.json()


def test_a_bad_period_or_cursor_is_a_422(client, auth, party):
    assert client.get("/api/v1/pioneer/me", headers=auth("member1"), params={"period": "2026-Q5"}).status_code == 422
    assert client.get("/api/v1/pioneer/hours", headers=auth("admin1"), params={"cursor": "nope"}).status_code == 422


def test_lists_page_with_a_cursor(client, auth, party):
    for n in range(3):
        client.post("/api/v1/pioneer/hours", headers=auth("dispatcher1"),
                    json={"person_id": party["member1"], "day": _day(), "hours": n + 1, "what": f"第{n}次"})
    first = client.get("/api/v1/pioneer/hours", headers=auth("admin1"), params={"limit": 2}).json()
    assert [i["what"] for i in first["items"]] == ["第2次", "第1次"] and first["next_cursor"]
    second = client.get("/api/v1/pioneer/hours", headers=auth("admin1"),
                        params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [i["what"] for i in second["items"]] == ["第0次"] and second["next_cursor"] is None


def test_withdrawing_needs_a_reason_and_the_right_person(client, auth, party):
    record = client.post("/api/v1/pioneer/points", headers=auth("supervisor1"), json={
        "person_id": party["member1"], "day": _day(), "points": 5, "reason": "r"}).json()
    url = f"/api/v1/pioneer/points/{record['id']}/withdraw"
    assert client.post(url, headers=auth("dispatcher1"), json={"reason": "错"}).status_code == 403
    assert client.post(url, headers=auth("supervisor1"), json={"reason": ""}).status_code == 422
    assert client.post(url, headers=auth("supervisor1"), json={"reason": "录错了"}).status_code == 204
    assert client.get(f"/api/v1/pioneer/points/{record['id']}", headers=auth("admin1")).status_code == 404


def test_the_openapi_document_lists_the_operations_with_problems():
    document = create_app().openapi()
    ids = {op["operationId"] for path, item in document["paths"].items() if path.startswith("/api/v1/pioneer")
           for op in item.values()}
    assert {"get_my_pioneer_index", "get_pioneer_ranking", "record_volunteer_hours", "award_contribution_points",
            "record_attendance", "withdraw_attendance_record"} <= ids
    responses = document["paths"]["/api/v1/pioneer/people/{person_id}"]["get"]["responses"]
    assert responses["404"]["content"] == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
