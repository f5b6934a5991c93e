"""The request finder (/requests, GET /api/v1/requests, /requests/export): what each role sees,
through every door and with every filter; text search with 1-, 2- and 3-character Chinese terms
(on SQLite's FTS5 trigram table and PostgreSQL's pg_trgm alike); paging; the number jump; and
bad filter values refused with a 4xx."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from server.models import Building, Category, Enterprise, Person, ServiceRequest
from server.requests import search
from server.requests.pages.finder import EXPORT_COLUMNS
from tests.factories import create_service
from tests.requests.helpers import submit
from tests.requests.pages.requester_helpers import client_for

HTMX = {"HX-Request": "true"}


@pytest.fixture
def requests(database, world):
    """A few requests with text to find: by whom, in which department (legal.aid → legal,
    union.join → union, misc.other → none yet)."""
    made = {
        "aircon": submit(database, "member1", "legal.aid", description="空调维修，请尽快上门"),  # E1, legal
        "parking": submit(database, "member2", "legal.aid", description="停车位申请"),  # E2, legal
        "union": submit(database, "member1", "union.join", description="想入会，维修工会", answers={"people": 3, "kind": "new"}),
        "contact": submit(database, "contact2", "union.join", description="企业团体入会", answers={"people": 12}),  # E2
        "misc": submit(database, "member2", "misc.other", description="其他事项：打印机"),  # E2, no department
    }
    return {k: r.number for k, r in made.items()}


def api_numbers(client, auth, username: str, **params) -> list[str]:
    response = client.get("/api/v1/requests", params=params, headers=auth(username))
    assert response.status_code == 200, response.text
    return [item["number"] for item in response.json()["items"]]


def page_numbers(app, username: str, **params) -> set[str]:
    response = client_for(app, username).get("/requests", params=params, follow_redirects=False)
    assert response.status_code == 200, response.text
    return set(re.findall(r'class="request-number" href="/requests/([^"]+)"', response.text))


def export_numbers(app, username: str, **params) -> list[str]:
    response = client_for(app, username).get("/requests/export", params={"format": "csv", **params})
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return [row[0] for row in rows[1:]]


# --- who sees what ---------------------------------------------------------------------------


EXPECTED = {
    "member1": {"aircon", "union"},
    "member2": {"parking", "misc"},
    "contact2": {"parking", "contact", "misc"},  # their enterprise's
    "staff3": {"aircon", "parking"},  # legal
    "lead1": {"union", "contact"},  # union
    "dispatcher1": {"aircon", "parking", "union", "contact", "misc"},
    "supervisor1": {"aircon", "parking", "union", "contact", "misc"},
    "admin1": {"aircon", "parking", "union", "contact", "misc"},
}


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_each_role_sees_exactly_its_requests_on_every_door(app, client, auth, requests, username):
    wanted = {requests[k] for k in EXPECTED[username]}
    assert set(api_numbers(client, auth, username)) == wanted
    assert page_numbers(app, username) == wanted
    assert set(export_numbers(app, username)) == wanted


@pytest.mark.parametrize(("username", "q", "hidden"), [
    ("contact2", "空调", "aircon"),  # another enterprise's request, by its text
    ("contact2", "Member1", "aircon"),  # … by its requester's name
    ("contact2", "一号企业", "aircon"),  # … by its enterprise's name
    ("lead1", "停车位", "parking"),  # another department's
    ("lead1", "维修", "aircon"),
    ("staff3", "入会", "union"),
])
@pytest.mark.parametrize("way", ["index", "scan among what one sees", "scan of the table"])
def test_search_never_reaches_past_what_one_may_see(app, client, auth, requests, monkeypatch, username, q, hidden, way):
    from server.requests import finder

    if way != "index":  # every term common: by the vocabulary's counts and by its density
        monkeypatch.setattr(search, "COMMON", 0)
        monkeypatch.setattr(search, "DENSE", 0)
    if way == "scan of the table":
        monkeypatch.setattr(finder, "FEW_VISIBLE", 0)
    number = requests[hidden]
    assert number not in api_numbers(client, auth, username, q=q)
    assert number not in page_numbers(app, username, q=q)
    assert number not in export_numbers(app, username, q=q)
    # Naming another department outright finds nothing either.
    if username == "lead1":
        assert api_numbers(client, auth, "lead1", department="legal") == []
        assert export_numbers(app, "lead1", department="legal") == []


def test_an_exact_number_one_may_not_see_does_not_jump(app, requests):
    assert page_numbers(app, "contact2", q=requests["aircon"]) == set()


def test_an_exact_number_jumps_to_the_request(app, requests):
    number = requests["parking"]
    for q in (number, number.lower(), f"  {number} "):
        response = client_for(app, "supervisor1").get("/requests", params={"q": q}, follow_redirects=False)
        assert response.status_code == 302 and response.headers["location"] == f"/requests/{number}"


def test_staff_see_their_finished_work(client, auth, database, requests):
    from server.enums import Action
    from tests.requests.helpers import act, load

    number = requests["aircon"]
    if load(database, number).assignee_id is None:  # legal hands tasks out round-robin
        act(database, "staff3", number, Action.claim)
    with database.read() as session:
        holder = session.get(Person, load(database, number).assignee_id).username
    other = "staff4" if holder == "staff3" else "staff3"
    act(database, holder, number, Action.complete, note="修好了")
    finished = {"assigned": "1", "status": ["completed", "closed"]}
    assert api_numbers(client, auth, holder, **finished) == [number]
    assert api_numbers(client, auth, other, **finished) == []
    assert number in api_numbers(client, auth, other)  # still their department's


# --- text search -----------------------------------------------------------------------------


@pytest.mark.parametrize(("q", "found"), [
    ("修", {"aircon", "union"}),  # one character
    ("维修", {"aircon", "union"}),  # two
    ("停车", {"parking"}),
    ("空调维修", {"aircon"}),  # the trigram index
    ("请尽快上门", {"aircon"}),
    ("入会", {"union", "contact"}),
    ("new", {"union"}),  # an answer's value as stored
    ("打印机", {"misc"}),
    ("二号企业", {"parking", "contact", "misc"}),  # the enterprise's name
    ("二号", {"parking", "contact", "misc"}),
    ("Member2", {"parking", "misc"}),  # the requester's name
    ("不存在的词", set()),
    ("x", set()),
    ("%", set()),  # LIKE's wildcards are literal
    ('"', set()),  # and FTS5's quotes
])
@pytest.mark.parametrize("common", [search.COMMON, 0], ids=["index", "scan"])
def test_text_search_finds_the_right_rows(client, auth, requests, monkeypatch, q, found, common):
    # Both ways the database may take (the index, or the scan it picks for a common term: by
    # the vocabulary's counts for short terms, by the density among the newest requests).
    monkeypatch.setattr(search, "COMMON", common)
    monkeypatch.setattr(search, "DENSE", common and search.DENSE)
    assert set(api_numbers(client, auth, "supervisor1", q=q)) == {requests[k] for k in found}


def test_search_by_phone_and_by_the_start_of_a_number(client, auth, database, requests):
    with database.write() as session:
        session.execute(update(Person).where(Person.username == "member2").values(phone="13912345678"))
    assert set(api_numbers(client, auth, "supervisor1", q="1234567")) == {requests["parking"], requests["misc"]}
    prefix = requests["aircon"][:-2]
    assert requests["aircon"] in api_numbers(client, auth, "supervisor1", q=prefix)


def test_search_follows_a_changed_description(client, auth, database, requests):
    with database.write() as session:
        session.execute(update(ServiceRequest).where(ServiceRequest.number == requests["misc"]).values(description="复印机卡纸"))
    assert api_numbers(client, auth, "supervisor1", q="打印机") == []
    assert api_numbers(client, auth, "supervisor1", q="复印机") == [requests["misc"]]
    assert api_numbers(client, auth, "supervisor1", q="卡纸") == [requests["misc"]]


# --- filters ---------------------------------------------------------------------------------


def test_each_filter(client, auth, database, world, requests):
    long_ago = datetime(2026, 3, 2, 2, tzinfo=UTC)
    old = submit(database, "member1", "union.join", description="很早以前", now=long_ago, answers={"people": 1}).number
    late = submit(database, "member1", "legal.aid", description="很早以前", now=long_ago).number  # claimed at once
    with database.write() as session:
        other = Category(code="other", name={"zh-Hans": "其他"})
        session.add(other)
        session.flush()
        create_service(session, "other.thing", other, None)
        session.execute(update(ServiceRequest).where(ServiceRequest.number == requests["parking"]).values(flag="yellow"))
        building = session.scalar(select(Building).where(Building.code == "A1"))
        e1 = session.scalar(select(Enterprise).where(Enterprise.name == "一号企业"))
        ids = {"building": building.id, "e1": e1.id, "legal": world.departments["legal"].id,
               "category": session.scalar(select(Category.id).where(Category.code == "mass")), "other": other.id,
               "union_service": world.services["union.join"].id}
    every = {requests[k] for k in requests} | {old, late}

    def seen(**params) -> set[str]:
        return set(api_numbers(client, auth, "supervisor1", **params))

    assert seen(status=["submitted"]) == {requests["misc"]}
    assert seen(status=["dispatched"]) == {requests["union"], requests["contact"], old}  # legal's are handed out
    assert seen(status=["submitted", "dispatched", "claimed"]) == every
    assert seen(service="union.join") == seen(service=str(ids["union_service"])) == {requests["union"], requests["contact"], old}
    assert seen(category=str(ids["category"])) == every and seen(category="other") == set()
    assert seen(department=str(ids["legal"])) == seen(department="legal") == {requests["aircon"], requests["parking"], late}
    assert seen(enterprise=str(ids["e1"])) == {requests["aircon"], requests["union"], old, late}
    assert seen(building=str(ids["building"])) == seen(building="A1")
    assert seen(flag="yellow") == {requests["parking"]}
    assert seen(overdue="claim") == {old}
    assert seen(overdue="complete") == {old, late}
    assert seen(overdue="true") == {old, late}  # the API's old boolean: either
    assert seen(**{"from": "2026-03-01", "to": "2026-03-31"}) == {old, late}
    assert seen(**{"from": "2026-03-03"}) == every - {old, late}
    assert seen(date="due", to="2026-04-30") == {old, late}
    assert seen(date="completed", **{"from": "2026-01-01"}) == set()
    assert seen(mine="true") == set()
    filed = [requests[k] for k in ("aircon", "parking", "union", "contact", "misc")] + [old, late]  # in id order
    assert api_numbers(client, auth, "supervisor1", sort="oldest") == filed
    assert api_numbers(client, auth, "supervisor1") == filed[::-1]
    assert set(api_numbers(client, auth, "supervisor1", sort="due")[:2]) == {old, late}  # due long ago


def test_paging_is_stable_across_pages_with_a_search(client, auth, database, world):
    numbers = [submit(database, "member1", "legal.aid", description=f"维修 第{i}单").number for i in range(7)]
    for sort in ("newest", "oldest", "due"):
        seen, cursor = [], None
        while True:
            params = {"q": "维修", "limit": 2, "sort": sort, **({"cursor": cursor} if cursor else {})}
            body = client.get("/api/v1/requests", params=params, headers=auth("supervisor1")).json()
            seen += [i["number"] for i in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(numbers) and len(seen) == len(set(seen)), sort
        if sort == "newest":
            assert seen == numbers[::-1]
        if sort == "oldest":
            assert seen == numbers


def test_the_page_keeps_filters_in_its_more_link(app, database, world):
    for i in range(52):
        submit(database, "member2", "misc.other", description=f"打印机{i}")
    page = client_for(app, "dispatcher1").get("/requests", params={"q": "打印机", "status": "submitted"}).text
    assert page.count('class="request-row"') == 50
    assert "/requests?q=%E6%89%93%E5%8D%B0%E6%9C%BA&amp;status=submitted&amp;cursor=" in page
    assert 'value="打印机"' in page and 'value="submitted" checked' in page


@pytest.mark.parametrize("params", [
    {"status": "bogus"}, {"from": "2026-13-01"}, {"to": "yesterday"}, {"from": "2026-03-02", "to": "2026-03-01"},
    {"department": "nowhere"}, {"service": "999999"}, {"enterprise": "x"}, {"flag": "green"}, {"overdue": "soon"},
    {"sort": "random"}, {"date": "closed"}, {"mine": "maybe"}, {"cursor": "W10"}, {"q": "x" * 101},
    {"q": "\x00"}, {"department": "\x00"},
])
def test_bad_filter_values_are_4xx_never_500(app, client, auth, requests, params):
    response = client.get("/api/v1/requests", params=params, headers=auth("supervisor1"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    page = client_for(app, "supervisor1")
    doors = [("/requests", params)]
    if "cursor" not in params:  # the export has no pages: it reads no cursor
        doors.append(("/requests/export", {"format": "csv", **params}))
    for path, query in doors:
        answer = page.get(path, params=query)
        assert 400 <= answer.status_code < 500 and "text/html" in answer.headers["content-type"], (path, answer.status_code)


def test_export_needs_a_known_format(app, requests):
    assert client_for(app, "supervisor1").get("/requests/export", params={"format": "pdf"}).status_code == 422
    # Without one (an address shared without its query): the workbook, not an error.
    plain = client_for(app, "supervisor1").get("/requests/export")
    assert plain.status_code == 200 and "spreadsheetml" in plain.headers["content-type"]


# --- exports ---------------------------------------------------------------------------------


def test_csv_export_has_the_bom_header_and_neutralised_cells(app, database, requests):
    with database.write() as session:
        enterprise = session.scalar(select(Enterprise).where(Enterprise.name == "一号企业"))
        enterprise.name = "=HYPERLINK(\"http://evil\")"
    response = client_for(app, "supervisor1").get("/requests/export", params={"format": "csv", "q": "空调"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "工单编号" and len(rows[0]) == len(EXPORT_COLUMNS)
    assert rows[1][0] == requests["aircon"]
    assert rows[1][3] == "'=HYPERLINK(\"http://evil\")"
    assert rows[1][1] == "服务legal.aid" and rows[1][2] == "legal部" and rows[1][5] == "办理中"


def test_xlsx_export_opens_with_the_same_rows(app, requests):
    from openpyxl import load_workbook

    response = client_for(app, "lead1").get("/requests/export", params={"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values[0]) == len(EXPORT_COLUMNS)
    assert {row[0] for row in values[1:]} == {requests["union"], requests["contact"]}


def test_export_streams_from_a_generator_reading_in_batches(database, world, requests):
    from starlette.requests import Request
    from starlette.responses import StreamingResponse

    from server.requests import finder
    from server.requests.pages import finder as finder_pages

    with database.read() as session:
        person = session.scalar(select(Person).where(Person.username == "supervisor1"))
        person.roles  # load the roles before the session closes  # noqa: B018
        filters = finder.Filters()
        batches = list(finder.export_batches(session, person, filters, batch=2))
    assert [len(b) for b in batches] == [2, 2, 1]
    rows = finder_pages.export_rows(database, person, filters, "zh-Hans")
    assert iter(rows) is rows  # a generator: nothing is read until the response pulls it
    assert len(list(rows)) == 5
    # The endpoint hands that generator to a streaming response: no row is read before it runs.
    scope = {"type": "http", "method": "GET", "path": "/requests/export", "query_string": b"format=csv&q=%E5%85%A5%E4%BC%9A",
             "headers": [], "state": {}}
    response = finder_pages.export(Request(scope), person, database, format="csv")
    assert isinstance(response, StreamingResponse)
    assert response.headers["content-disposition"].startswith("attachment;")


def test_requesters_keep_my_requests_with_a_search_box(app, requests):
    client = client_for(app, "member1")
    page = client.get("/requests").text
    assert "我的工单" in page and 'href="/menu"' in page and 'name="q"' in page
    assert 'class="finder"' not in page  # no finder filters for a requester
    assert page_numbers(app, "member1", q="空调") == {requests["aircon"]}
    finder_page = client_for(app, "supervisor1").get("/requests").text
    assert 'class="finder"' in finder_page and "工单查询" in finder_page and "/requests/export?format=csv" in finder_page
