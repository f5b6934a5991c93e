"""The access matrix: every object route × every role × every relation to the object → the
status a person gets. One table per kind of route; a cell that differs fails with the whole
table of differences, so a change of rule shows at a glance what it opened or closed.

Relations to the request R (filed by member1 of enterprise E1, routed to department union):
own (member1), same enterprise as a plain member (colleague) or as its contact (contact1),
other enterprise (member2, contact2), own department (staff1, lead1), other department
(staff3), and the overseers (dispatcher1, supervisor1, admin1). Someone who may not see R gets
the same 404 as for a request that does not exist: no door tells them it is there.
"""

from __future__ import annotations

import itertools

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from server.app import create_app
from server.enums import Action, Role
from server.models import Attachment, Enterprise
from tests.factories import PASSWORD, build_world, create_person
from tests.requests.helpers import act
from tests.requests.pages.requester_helpers import PNG, client_for, number_from, order, token

PEOPLE = ("member1", "colleague", "contact1", "member2", "contact2", "staff1", "lead1", "staff3",
          "dispatcher1", "supervisor1", "admin1")
SEES_R = {"member1", "contact1", "staff1", "lead1", "dispatcher1", "supervisor1", "admin1"}


def _seen(ok: int) -> dict[str, int]:
    return {p: ok if p in SEES_R else 404 for p in PEOPLE}


@pytest.fixture
def world(database):
    world = build_world(database)
    with database.write() as session:
        e1 = session.scalar(select(Enterprise).where(Enterprise.name == "一号企业"))
        world.people["colleague"] = create_person(session, "colleague", Role.member, enterprise=e1)
    return world


@pytest.fixture
def app(settings, database):
    return create_app(settings, database)


@pytest.fixture
def pages(app, world):
    clients = {p: client_for(app, p) for p in PEOPLE}
    yield clients
    for client in clients.values():
        client.close()


@pytest.fixture
def api(app, world):
    with TestClient(app) as client:
        headers = {}
        for p in PEOPLE:
            response = client.post("/api/v1/auth/token", data={"username": p, "password": PASSWORD})
            assert response.status_code == 200, response.text
            headers[p] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        yield client, headers


_serial = itertools.count(1)


def _file(pages) -> str:
    """R, filed through the order form with a photo, as member1 would."""
    # Each R different: an identical one from the same person minutes later is a duplicate.
    number = number_from(order(pages["member1"], "union.join", {"answers.people": "3", "description": f"请帮忙 {next(_serial)}"},
                               files=[("attachments", ("证件.png", PNG, "image/png"))]))
    return number


def _differences(actual: dict[str, int], expected: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {p: (actual[p], expected[p]) for p in PEOPLE if actual[p] != expected[p]}


def test_reading_a_request_and_its_parts(pages, api, database):
    number = _file(pages)
    with database.read() as session:
        attachment_id = session.scalar(select(Attachment.id))
    client, headers = api
    table = {
        f"GET /requests/{number}": {p: pages[p].get(f"/requests/{number}").status_code for p in PEOPLE},
        f"GET /attachments/{attachment_id}": {p: pages[p].get(f"/attachments/{attachment_id}").status_code for p in PEOPLE},
        f"GET /api/v1/requests/{number}": {p: client.get(f"/api/v1/requests/{number}", headers=headers[p]).status_code
                                           for p in PEOPLE},
        f"GET /api/v1/requests/{number}/events": {
            p: client.get(f"/api/v1/requests/{number}/events", headers=headers[p]).status_code for p in PEOPLE},
    }
    problems = {route: diff for route, statuses in table.items() if (diff := _differences(statuses, _seen(200)))}
    assert problems == {}


def test_lists_hold_a_request_only_for_those_who_may_see_it(pages, api):
    number = _file(pages)
    client, headers = api
    listed = {}
    for p in PEOPLE:
        response = client.get("/api/v1/requests", headers=headers[p])
        assert response.status_code == 200, (p, response.text)
        listed[p] = number in {item["number"] for item in response.json()["items"]}
    assert listed == {p: p in SEES_R for p in PEOPLE}


def _try_everyone(pages, api, action: str, prepare, door: str) -> dict[str, int]:
    """Each person tries ``action`` on a fresh R (so one person's success leaves the next
    person the same request to try), through the API or the page form."""
    client, headers = api
    statuses = {}
    for p in PEOPLE:
        number = _file(pages)
        prepare(number)
        body = {"note": "一次尝试", "rating": "satisfied"} if action == "rate" else {"note": "一次尝试"}
        if door == "api":
            response = client.post(f"/api/v1/requests/{number}/{action}", json=body, headers=headers[p])
        else:
            page = pages[p]
            response = page.post(f"/requests/{number}/actions/{action}", data={**body, "csrf_token": token(page)},
                                 follow_redirects=False)
        statuses[p] = response.status_code
    return statuses


def _claimed(database):
    def prepare(number):
        act(database, "staff2", number, Action.claim)
    return prepare


def _completed(database):
    def prepare(number):
        act(database, "staff2", number, Action.claim)
        act(database, "staff2", number, Action.complete, note="已办结")
    return prepare


@pytest.mark.parametrize("door", ["api", "page"])
def test_acting_on_a_request(pages, api, database, door):
    ok = 200 if door == "api" else 303
    expected = {
        # Any staff member of the department holding R may claim it; a lead is staff too.
        "claim": (lambda number: None, {**_seen(403), "staff1": ok, "lead1": ok}),
        # Only supervisors urge.
        "urge": (lambda number: None, {**_seen(403), "supervisor1": ok}),
        # Only the department's lead completes someone else's task (staff2 holds it).
        "complete": (_claimed(database), {**_seen(403), "lead1": ok}),
        # Only the requester rates; their enterprise's contact sees it but does not rate it.
        "rate": (_completed(database), {**_seen(403), "member1": ok}),
        # Only the requester cancels.
        "cancel": (lambda number: None, {**_seen(403), "member1": ok}),
    }
    problems = {}
    for action, (prepare, wanted) in expected.items():
        actual = _try_everyone(pages, api, action, prepare, door)
        if diff := _differences(actual, wanted):
            problems[action] = diff
    assert problems == {}


def test_metrics_are_for_overseers_and_a_lead_sees_only_their_department(api):
    client, headers = api
    union, legal = "union", "legal"  # the figures take department codes
    expected_all = {p: 403 for p in PEOPLE} | {"supervisor1": 200, "admin1": 200, "lead1": 200}
    table = {}
    for url in ("/api/v1/metrics", "/api/v1/metrics/departments", f"/api/v1/metrics/staff?department={union}",
                "/api/v1/metrics/redblack"):
        table[url] = _differences({p: client.get(url, headers=headers[p]).status_code for p in PEOPLE}, expected_all)
    for url in (f"/api/v1/metrics?department={legal}", f"/api/v1/metrics/staff?department={legal}"):
        wanted = expected_all | {"lead1": 403}
        table[url] = _differences({p: client.get(url, headers=headers[p]).status_code for p in PEOPLE}, wanted)
    assert {url: diff for url, diff in table.items() if diff} == {}


def test_the_desk_and_dispatch_doors(pages, database):
    """The desk takes staff and leads only (403 for every other role, whoever filed R); among
    staff, another department's request is a 404. The dispatch board takes dispatchers only."""
    staff = {"staff1", "lead1", "staff3"}
    desk = {}
    for p in PEOPLE:
        number = _file(pages)
        page = pages[p]
        desk[p] = page.post(f"/desk/requests/{number}/claim", data={"csrf_token": token(page)},
                            follow_redirects=False).status_code
    wanted_desk = {p: 403 for p in PEOPLE if p not in staff} | {"staff1": 303, "lead1": 303, "staff3": 404}
    dispatch = {}
    for p in PEOPLE:
        number = _file(pages)
        page = pages[p]
        dispatch[p] = page.post(f"/dispatch/requests/{number}/transfer",
                                data={"csrf_token": token(page), "department": "legal", "note": "转给法律"},
                                follow_redirects=False).status_code
    wanted_dispatch = {p: 403 for p in PEOPLE} | {"dispatcher1": 303}
    assert (_differences(desk, wanted_desk), _differences(dispatch, wanted_dispatch)) == ({}, {})


def test_the_receipt_and_the_finder_show_a_request_only_to_those_who_may_see_it(pages):
    number = _file(pages)
    receipt = {p: pages[p].get(f"/requests/{number}/receipt").status_code for p in PEOPLE}
    exported = {p: number in pages[p].get("/requests/export?format=csv").text for p in PEOPLE}
    searched = {p: number in pages[p].get(f"/requests?q={number[:-1]}").text for p in PEOPLE}
    assert (_differences(receipt, _seen(200)), exported, searched) == (
        {}, {p: p in SEES_R for p in PEOPLE}, {p: p in SEES_R for p in PEOPLE})


def test_the_supervision_pages_are_for_overseers_and_leads(pages):
    expected = {p: 403 for p in PEOPLE} | {"supervisor1": 200, "admin1": 200, "lead1": 200}
    table = {}
    for url in ("/supervision", "/supervision/overdue", "/supervision/departments.csv"):
        table[url] = _differences({p: pages[p].get(url).status_code for p in PEOPLE}, expected)
    # The public board 晒单 is for everyone signed in (anonymised: tests/web/supervision).
    table["/board"] = _differences({p: pages[p].get("/board").status_code for p in PEOPLE}, {p: 200 for p in PEOPLE})
    assert {url: diff for url, diff in table.items() if diff} == {}


def test_the_bulk_urge_of_the_overdue_list(pages, database):
    """The overdue list's "urge the ticked ones" form: the page is for overseers and leads
    (others get 403 before anything is read); of those, only a supervisor's urge goes through —
    a lead's is refused per request with its reason, and R is not urged."""
    from server.models import ServiceRequest

    statuses, urged = {}, {}
    for p in PEOPLE:
        number = _file(pages)
        page = pages[p]
        response = page.post("/supervision/overdue/urge", data={
            "kind": "claim", "number": number, "note": "请尽快处理", "form_key": f"matrix-{p}",
            "csrf_token": token(page)}, follow_redirects=False)
        statuses[p] = response.status_code
        with database.read() as session:
            urged[p] = session.scalar(select(ServiceRequest.urge_count).where(ServiceRequest.number == number))
    expected = {p: 403 for p in PEOPLE} | {"supervisor1": 200, "admin1": 200, "lead1": 200}
    assert _differences(statuses, expected) == {}
    assert {p for p, count in urged.items() if count} == {"supervisor1"}
