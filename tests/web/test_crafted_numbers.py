"""Numbers typed into URLs and forms are read as plain ASCII digits within bounds, so a crafted
value is a clear 422 (or simply not an id), never a 500: "²" passes ``str.isdigit()`` but not
``int()``, and an id or page past 2⁶³ overflows the database's integers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.web.formdata import whole_number
from tests.admin.pages import post, sign_in
from tests.factories import build_world
from tests.requests.pages.requester_helpers import client_for, number_from, order, token


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (" 7 ", 7), ("", None), ("²", None), ("١٢", None), ("1e3", None), ("-3", None),
     ("1" * 10, None), ("+1", None)],
)
def test_whole_number_takes_ascii_digits_only(value, expected):
    assert whole_number(value) == expected


def test_whole_number_signed():
    assert whole_number("-3", signed=True) == -3
    assert whole_number("-²", signed=True) is None
    assert whole_number("--3", signed=True) is None


@pytest.fixture
def world(database):
    return build_world(database)


@pytest.fixture
def admin_client(settings, database, world):
    with TestClient(create_app(settings, database), base_url="http://testserver") as client:
        yield sign_in(client, "admin1")


@pytest.mark.parametrize("version", ["²", "١", "99999999999"])
def test_an_action_with_a_crafted_version_is_refused_not_a_500(app, world, version):
    client = client_for(app, "member1")
    number = number_from(order(client, "union.join", {"answers.people": "3", "answers.kind": "move"}))
    response = client.post(f"/requests/{number}/actions/cancel",
                           data={"csrf_token": token(client, f"/requests/{number}"), "version": version})
    assert response.status_code == 422, response.text
    assert client.get(f"/requests/{number}").status_code == 200
    assert "已撤单" not in client.get(f"/requests/{number}").text


@pytest.mark.parametrize(
    "url",
    ["/admin/people?department_id=²", "/admin/people?enterprise_id=²", "/admin/audit?until=9999-12-31"],
)
def test_admin_lists_take_crafted_filters(admin_client, url):
    assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/admin/people?page=1000000000000000000", "/admin/enterprises?page=1000000000000000000",
     f"/admin/audit?before={2**63}", "/admin/people?page=0"],
)
def test_admin_lists_refuse_pages_past_any_list(admin_client, url):
    assert admin_client.get(url).status_code == 422


def test_a_crafted_select_value_is_no_id(admin_client):
    response = post(admin_client, "/admin/people/new", {
        "username": "new.person", "display_name": "新人", "roles": "staff", "department_id": "²",
    })
    assert response.status_code == 422
    assert "department_id" in response.text
