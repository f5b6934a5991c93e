"""The request API: submission, lists, one request, history and every kind of error."""

from __future__ import annotations

import pytest

from tests.requests.cursor_cases import crafted

BODY = {"service_code": "union.join", "description": "想加入工会", "answers": {"people": 2, "kind": "new"}}


def file(client, auth, username="member1", body=None, **headers):
    response = client.post("/api/v1/requests", json=body or BODY, headers={**auth(username), **headers})
    assert response.status_code == 201, response.text
    return response.json()


def problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["detail"]
    return body


def test_submit_returns_number_status_and_due_times(client, auth):
    response = client.post("/api/v1/requests", json=BODY, headers=auth("member1"))
    assert response.status_code == 201
    body = response.json()
    assert body["number"].startswith("LX-") and body["id"] > 0
    assert body["status"] == "dispatched"
    assert body["claim_due_at"] and body["complete_due_at"]
    assert response.headers["location"] == f"/api/v1/requests/{body['number']}"
    assert body["actions"] == ["cancel"]
    assert {a["code"]: a["display"] for a in body["answers"]} == {"people": "2", "kind": "新入会"}


def test_field_errors_come_one_per_field(client, auth):
    bad = {**BODY, "answers": {"people": 500, "kind": "x"}, "description": ""}
    body = problem(client.post("/api/v1/requests", json=bad, headers=auth("member1")), 422)
    assert body["errors"] == {
        "answers.people": "At most 50.",
        "answers.kind": "Please choose one of the options.",
        "description": "Please describe what you need.",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"description": "no service"},
        {**BODY, "unexpected": 1},
        {**BODY, "description": "nul\x00byte"},
        {**BODY, "answers": []},
    ],
)
def test_malformed_bodies_are_422_problems(client, auth, body):
    problem(client.post("/api/v1/requests", json=body, headers=auth("member1")), 422)


def test_broken_json_is_a_problem_not_a_500(client, auth):
    response = client.post(
        "/api/v1/requests", content=b"{not json", headers={**auth("member1"), "Content-Type": "application/json"}
    )
    problem(response, 422)


def test_idempotency_key_replays_and_refuses_another_body(client, auth):
    first = client.post("/api/v1/requests", json=BODY, headers={**auth("member1"), "Idempotency-Key": "k-1"})
    again = client.post("/api/v1/requests", json=BODY, headers={**auth("member1"), "Idempotency-Key": "k-1"})
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["number"] == first.json()["number"]
    other = client.post(
        "/api/v1/requests", json={**BODY, "description": "另一件"}, headers={**auth("member1"), "Idempotency-Key": "k-1"}
    )
    assert "Idempotency-Key" in problem(other, 422)["errors"]


def test_who_sees_what(client, auth):
    mine = file(client, auth, "member1")
    theirs = file(client, auth, "member2")

    def numbers(username, query=""):
        return {r["number"] for r in client.get(f"/api/v1/requests{query}", headers=auth(username)).json()["items"]}

    assert numbers("member1") == {mine["number"]}
    assert numbers("member2") == {theirs["number"]}
    assert numbers("contact1") == {mine["number"]}  # their enterprise's
    assert numbers("staff1") == {mine["number"], theirs["number"]}  # union's queue
    assert numbers("staff3") == set()  # another department
    assert numbers("dispatcher1") == numbers("supervisor1") == {mine["number"], theirs["number"]}
    problem(client.get(f"/api/v1/requests/{mine['number']}", headers=auth("member2")), 404)
    problem(client.get(f"/api/v1/requests/{mine['number']}/events", headers=auth("staff3")), 404)
    assert client.get(f"/api/v1/requests/{mine['number']}", headers=auth("contact1")).status_code == 200


def test_filters(client, auth):
    a = file(client, auth)
    b = file(client, auth, body={"service_code": "misc.other", "description": "其他"})
    client.post(f"/api/v1/requests/{a['number']}/claim", json={}, headers=auth("staff1"))

    def numbers(query, username="dispatcher1"):
        return [r["number"] for r in client.get(f"/api/v1/requests?{query}", headers=auth(username)).json()["items"]]

    assert numbers("status=submitted") == [b["number"]]
    assert numbers("status=claimed&status=submitted") == [b["number"], a["number"]]
    assert numbers("service=misc.other") == [b["number"]]
    assert numbers("department=union") == [a["number"]]
    assert numbers("assigned=true", "staff1") == [a["number"]]
    assert numbers("mine=true", "member1") == [b["number"], a["number"]]
    assert numbers("overdue=true") == []
    assert numbers("sort=oldest") == [a["number"], b["number"]]
    problem(client.get("/api/v1/requests?status=bogus", headers=auth("member1")), 422)
    problem(client.get("/api/v1/requests?sort=sideways", headers=auth("member1")), 422)


def test_keyset_pages_cover_everything_once(client, auth):
    created = [file(client, auth)["number"] for _ in range(7)]
    seen, cursor = [], None
    while True:
        query = "limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/api/v1/requests?{query}", headers=auth("member1")).json()
        seen += [r["number"] for r in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(created))
    problem(client.get("/api/v1/requests?cursor=garbage", headers=auth("member1")), 422)


def test_actions_and_their_errors(client, auth):
    req = file(client, auth)
    number = req["number"]
    url = f"/api/v1/requests/{number}"
    # Not allowed for this person → 403; not visible → 404; unknown action → 404.
    problem(client.post(f"{url}/claim", json={}, headers=auth("member1")), 403)
    problem(client.post(f"{url}/claim", json={}, headers=auth("staff3")), 404)
    problem(client.post(f"{url}/fly", json={}, headers=auth("staff1")), 404)
    problem(client.post(f"{url}/auto_close", json={}, headers=auth("staff1")), 404)
    # A stale version (the supervisor urged it since) → 409 with the current state.
    urged = client.post(f"{url}/urge", json={"note": "请尽快接单"}, headers=auth("supervisor1")).json()
    assert urged["version"] == req["version"] + 1
    stale = problem(client.post(f"{url}/claim", json={"version": req["version"]}, headers=auth("staff1")), 409)
    assert stale["current_version"] == urged["version"] and stale["current_status"] == "dispatched"
    claimed = client.post(f"{url}/claim", json={"version": urged["version"]}, headers=auth("staff1"))
    assert claimed.status_code == 200 and claimed.json()["status"] == "claimed"
    assert claimed.json()["assignee"]["username"] == "staff1"
    # The second claimer is told who has it.
    lost = problem(client.post(f"{url}/claim", json={}, headers=auth("staff2")), 409)
    assert lost["assignee"]["username"] == "staff1" and lost["current_status"] == "claimed"
    # A missing note → 422 naming the field.
    assert "note" in problem(client.post(f"{url}/complete", json={}, headers=auth("staff1")), 422)["errors"]
    assert client.post(f"{url}/complete", json={"note": "已办结"}, headers=auth("staff1")).json()["status"] == "completed"
    # Only the requester rates, once; unsatisfied needs a comment.
    problem(client.post(f"{url}/rate", json={"rating": "satisfied"}, headers=auth("contact1")), 403)
    problem(client.post(f"{url}/rate", json={"rating": "unsatisfied"}, headers=auth("member1")), 422)
    problem(client.post(f"{url}/rate", json={"rating": "great"}, headers=auth("member1")), 422)
    rated = client.post(f"{url}/rate", json={"rating": "satisfied", "comment": "很好"}, headers=auth("member1")).json()
    assert rated["status"] == "closed" and rated["rating"]["value"] == "satisfied" and rated["rating"]["comment"] == "很好"
    problem(client.post(f"{url}/rate", json={"rating": "satisfied"}, headers=auth("member1")), 409)


def test_days_must_be_a_real_integer(client, auth):
    number = file(client, auth)["number"]
    client.post(f"/api/v1/requests/{number}/claim", json={}, headers=auth("staff1"))
    for days in (True, "2", 1.5):
        problem(client.post(f"/api/v1/requests/{number}/request_extension", json={"days": days, "note": "x"},
                            headers=auth("staff1")), 422)


def test_history_hides_internal_events_from_the_requester(client, auth):
    number = file(client, auth)["number"]
    client.post(f"/api/v1/requests/{number}/urge", json={"note": "快点"}, headers=auth("supervisor1"))
    client.post(f"/api/v1/requests/{number}/claim", json={}, headers=auth("staff1"))
    # A handover between staff may carry a staff-only note (the table's internal_note).
    released = client.post(f"/api/v1/requests/{number}/release", json={"note": "交给同事", "internal": True},
                           headers=auth("staff1"))
    assert released.status_code == 200, released.text
    client.post(f"/api/v1/requests/{number}/claim", json={}, headers=auth("staff1"))
    client.post(f"/api/v1/requests/{number}/complete", json={"note": "已办好"}, headers=auth("staff1"))
    staff_view = client.get(f"/api/v1/requests/{number}/events", headers=auth("staff1")).json()
    member_view = client.get(f"/api/v1/requests/{number}/events", headers=auth("member1")).json()
    assert [e["action"] for e in staff_view] == ["submit", "dispatch", "urge", "claim", "release", "claim", "complete"]
    assert [e["action"] for e in member_view] == ["submit", "dispatch", "claim", "claim", "complete"]
    assert member_view[1]["actor"] is None  # the system dispatched it
    assert member_view[2]["actor"] == {"username": "staff1", "name": "Staff1"}


def test_a_completion_note_cannot_be_staff_only(client, auth):
    """The result is the requester's: marking it internal would hide it from them."""
    number = file(client, auth)["number"]
    client.post(f"/api/v1/requests/{number}/claim", json={}, headers=auth("staff1"))
    refused = client.post(f"/api/v1/requests/{number}/complete", json={"note": "内部备注", "internal": True},
                          headers=auth("staff1"))
    body = problem(refused, 422)
    assert set(body["errors"]) == {"internal"}
    assert client.get(f"/api/v1/requests/{number}", headers=auth("member1")).json()["status"] == "claimed"
    client.post(f"/api/v1/requests/{number}/complete", json={"note": "已办好"}, headers=auth("staff1"))
    member_view = client.get(f"/api/v1/requests/{number}/events", headers=auth("member1")).json()
    assert member_view[-1]["action"] == "complete" and member_view[-1]["note"] == "已办好"


def test_dispatcher_path_dispatch_return_transfer_reject(client, auth):
    number = file(client, auth, body={"service_code": "misc.other", "description": "不知道找谁"})["number"]
    url = f"/api/v1/requests/{number}"
    problem(client.post(f"{url}/dispatch", json={}, headers=auth("dispatcher1")), 422)
    assert client.post(f"{url}/dispatch", json={"department": "union"}, headers=auth("dispatcher1")).json()["status"] == "dispatched"
    returned = client.post(f"{url}/return", json={"note": "不归我们管"}, headers=auth("staff1")).json()
    assert returned["status"] == "submitted" and returned["return_count"] == 1
    client.post(f"{url}/dispatch", json={"department": "union"}, headers=auth("dispatcher1"))
    moved = client.post(f"{url}/transfer", json={"department": "care", "note": "关爱服务"}, headers=auth("dispatcher1")).json()
    assert moved["department"]["code"] == "care" and moved["status"] == "claimed"  # care assigns least-loaded
    other = file(client, auth, body={"service_code": "misc.other", "description": "x"})["number"]
    assert client.post(f"/api/v1/requests/{other}/reject", json={"note": "重复"}, headers=auth("dispatcher1")).json()["status"] == "rejected"


def test_an_oversized_body_is_refused_while_streaming(monkeypatch, database, world):
    from fastapi.testclient import TestClient

    from server.app import create_app
    from server.config import get_settings

    monkeypatch.setenv("LIANXIN_MAX_REQUEST_UPLOAD_BYTES", "1000")
    get_settings.cache_clear()
    with TestClient(create_app(get_settings(), database)) as client:
        response = client.post("/api/v1/requests", content=b"x" * (get_settings().max_body_bytes + 1),
                               headers={"Content-Type": "application/json"})
    get_settings.cache_clear()
    problem(response, 413)


# --- cursors: every crafted one is a 422 problem, never a 500 (issue 7) ----------------------
API_LISTS = [("newest", ("int",)), ("oldest", ("int",)), ("due", ("dt", "int"))]


@pytest.mark.parametrize(("sort", "kinds"), API_LISTS)
def test_api_list_refuses_every_crafted_cursor(client, auth, sort, kinds):
    for cursor in crafted(f"requests:{sort}", kinds):
        response = client.get("/api/v1/requests", params={"cursor": cursor, "sort": sort}, headers=auth("dispatcher1"))
        assert response.status_code == 422, (cursor, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert "cursor" in response.json()["errors"], cursor


def test_api_cursor_of_another_order_is_refused(client, auth):
    for _ in range(3):
        client.post("/api/v1/requests", json={"service_code": "misc.other", "description": "x"}, headers=auth("member1"))
    first = client.get("/api/v1/requests?limit=2&sort=newest", headers=auth("member1")).json()
    assert first["next_cursor"]
    assert client.get(f"/api/v1/requests?limit=2&sort=newest&cursor={first['next_cursor']}",
                      headers=auth("member1")).status_code == 200
    assert client.get(f"/api/v1/requests?limit=2&sort=oldest&cursor={first['next_cursor']}",
                      headers=auth("member1")).status_code == 422


def test_the_overdue_filter_lists_exactly_the_red_flags(client, auth, database):
    """One rule (requests/due.py) for the filter and the flag: a suspended request's clock is
    stopped, so it is neither listed nor red however late it is."""
    from datetime import timedelta

    from server.enums import Action
    from server.models import utcnow
    from tests.requests.helpers import act, submit

    fresh = submit(database, "member1", "union.join", answers={"people": 1})
    late = submit(database, "member1", "union.join", answers={"people": 1}, now=utcnow() - timedelta(days=30))
    paused = submit(database, "member1", "union.join", answers={"people": 1}, now=utcnow() - timedelta(days=30))
    act(database, "staff1", paused.number, Action.claim)
    act(database, "staff1", paused.number, Action.suspend, note="等材料")
    everything = client.get("/api/v1/requests", headers=auth("dispatcher1")).json()["items"]
    red = {r["number"] for r in everything if r["flag"] == "red"}
    overdue = {r["number"] for r in client.get("/api/v1/requests?overdue=true", headers=auth("dispatcher1")).json()["items"]}
    assert overdue == red == {late.number}
    assert fresh.number not in overdue and paused.number not in overdue


def test_release_needs_a_reason(client, auth):
    """放弃 says why, through the API as on the pages: the same clear refusal."""
    number = file(client, auth)["number"]
    assert client.post(f"/api/v1/requests/{number}/claim", json={}, headers=auth("staff1")).status_code == 200
    body = problem(client.post(f"/api/v1/requests/{number}/release", json={"note": "  "}, headers=auth("staff1")), 422)
    assert "Please say why you are releasing the task" in str(body)
    released = client.post(f"/api/v1/requests/{number}/release", json={"note": "Away this week."}, headers=auth("staff1"))
    assert released.status_code == 200 and released.json()["status"] == "dispatched"
