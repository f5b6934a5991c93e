"""The visits API: the same rules and visibility as the pages, problem+json errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from tests.factories import PASSWORD
from tests.visits.helpers import enterprise_id, record, set_plan


@pytest.fixture
def api(settings, database, world):
    with TestClient(create_app(settings, database)) as client:
        yield client


@pytest.fixture
def auth(api):
    tokens: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            response = api.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.text
            tokens[username] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return tokens[username]

    return headers


def _visit_body(database, **extra):
    return {"enterprise_id": enterprise_id(database, "一号企业"), "visited_on": "2026-11-20", "staff": ["staff1", "lead1"],
            "met_with": "张总", "findings": "需要工会入会", "internal_notes": "内部", **extra}


def test_staff_log_a_visit_and_file_a_need_through_the_api(api, auth, database, world):
    created = api.post("/api/v1/visits", json=_visit_body(database), headers=auth("staff1"))
    assert created.status_code == 201, created.text
    visit = created.json()
    assert created.headers["location"] == f"/api/v1/visits/{visit['id']}"
    assert sorted(p["username"] for p in visit["staff"]) == ["lead1", "staff1"] and visit["internal_notes"] == "内部"
    need = api.post(f"/api/v1/visits/{visit['id']}/needs", headers={**auth("staff1"), "Idempotency-Key": "n1"},
                    json={"service_code": "union.join", "description": "入会", "answers": {"people": 3}})
    assert need.status_code == 201, need.text
    number = need.json()["number"]
    assert need.json()["status"] == "dispatched"
    again = api.get(f"/api/v1/visits/{visit['id']}", headers=auth("contact1")).json()
    assert again["needs"] == [{"number": number, "status": "dispatched", "service": "union.join"}]
    assert again["internal_notes"] is None  # not for the enterprise
    events = api.get(f"/api/v1/requests/{number}/events", headers=auth("contact1")).json()
    assert events[0]["data"]["visit"] == {"id": visit["id"], "on": "2026-11-20", "enterprise": "一号企业"}


def test_visibility_of_the_list_and_of_one_visit(api, auth, database, world):
    set_plan(database, "admin1", "一号企业", responsible_department_id=world.departments["union"].id)
    visit = record(database, "staff1")
    for username, seen in (("staff2", True), ("staff3", False), ("contact1", True), ("contact2", False),
                           ("supervisor1", True)):
        listed = api.get("/api/v1/visits", headers=auth(username)).json()["items"]
        assert ([v["id"] for v in listed] == [visit.id]) is seen, username
        assert api.get(f"/api/v1/visits/{visit.id}", headers=auth(username)).status_code == (200 if seen else 404)
    member = api.get("/api/v1/visits", headers=auth("member1"))
    assert member.status_code == 403 and member.headers["content-type"] == "application/problem+json"
    assert api.get("/api/v1/visits").status_code == 401


def test_bad_input_is_a_problem_naming_the_field(api, auth, database, world):
    bad = api.post("/api/v1/visits", json=_visit_body(database, visited_on="2099-01-01"), headers=auth("staff1"))
    assert bad.status_code == 422 and "visited_on" in bad.json()["errors"]
    unknown = api.post("/api/v1/visits", json=_visit_body(database, staff=["nobody"]), headers=auth("staff1"))
    assert unknown.status_code == 422 and "staff" in unknown.json()["errors"]
    assert api.post("/api/v1/visits", json=_visit_body(database, enterprise_id=True), headers=auth("staff1")).status_code == 422
    assert api.get("/api/v1/visits?from=someday", headers=auth("staff1")).status_code == 422
    assert api.get("/api/v1/visits?cursor=zzz", headers=auth("staff1")).status_code == 422
    assert api.get("/api/v1/visits/99999", headers=auth("staff1")).status_code == 404


def test_the_plan_through_the_api(api, auth, database, world):
    ent = enterprise_id(database, "一号企业")
    refused = api.put(f"/api/v1/visits/plan/{ent}", json={"frequency": "monthly"}, headers=auth("staff1"))
    assert refused.status_code == 403
    saved = api.put(f"/api/v1/visits/plan/{ent}", headers=auth("dispatcher1"),
                    json={"frequency": "monthly", "responsible_department": "union", "responsible_person": "staff1"})
    assert saved.status_code == 200, saved.text
    line = saved.json()
    assert line["frequency_months"] == 1 and not line["frequency_is_default"]
    assert line["responsible_department"]["code"] == "union" and line["responsible_person"]["username"] == "staff1"
    bad = api.put(f"/api/v1/visits/plan/{ent}", headers=auth("dispatcher1"),
                  json={"frequency": "weekly", "responsible_department": "nope"})
    assert bad.status_code == 422 and "responsible_department" in bad.json()["errors"]
    bad = api.put(f"/api/v1/visits/plan/{ent}", headers=auth("dispatcher1"), json={"frequency": "weekly"})
    assert bad.status_code == 422 and "frequency" in bad.json()["errors"]
    plan = api.get("/api/v1/visits/plan", headers=auth("staff1")).json()
    assert [x["enterprise"]["name"] for x in plan] == ["一号企业"]  # union's only
    everyone = api.get("/api/v1/visits/plan", headers=auth("supervisor1")).json()
    assert {x["enterprise"]["name"] for x in everyone} == {"一号企业", "二号企业"}
    assert everyone[0]["standing"] in ("overdue", "due_this_month", "later")
    assert api.get("/api/v1/visits/plan", headers=auth("contact1")).status_code == 403
    assert api.get("/api/v1/visits/plan?department=nope", headers=auth("supervisor1")).status_code == 422
    assert api.put("/api/v1/visits/plan/99999", json={}, headers=auth("admin1")).status_code == 404


def test_the_openapi_document_has_the_visits(api):
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/visits", "/api/v1/visits/plan", "/api/v1/visits/{visit_id}", "/api/v1/visits/{visit_id}/needs",
            "/api/v1/visits/plan/{enterprise_id}"} <= set(paths)
