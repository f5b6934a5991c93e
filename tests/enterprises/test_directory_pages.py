"""/admin/buildings, /admin/enterprises and /admin/people: admins only, lists with search and
filters, errors next to fields with values kept, password reset shown once, disabling."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from server.app import create_app
from server.enterprises.credit_code import make_credit_code
from server.enums import Role
from server.models import Building, Enterprise, Person
from tests.admin.pages import error_next_to, post, sign_in
from tests.web.conftest import csrf_from

CODE = make_credit_code("440305", "MA5F3K7W")


@pytest.fixture
def client(settings, database, world):
    with TestClient(create_app(settings, database), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def admin_client(client):
    return sign_in(client, "admin1")


@pytest.mark.parametrize("url", [
    "/admin/buildings", "/admin/buildings/new", "/admin/enterprises", "/admin/enterprises/new",
    "/admin/people", "/admin/people/new", "/admin/people/1",
])
def test_only_admins(client, url):
    sign_in(client, "supervisor1")
    assert client.get(url).status_code == 403


def test_non_admin_cannot_post(client, world):
    sign_in(client, "supervisor1")
    assert post(client, f"/admin/people/{world['member1'].id}/reset-password").status_code == 403
    assert post(client, f"/admin/people/{world['member1'].id}/active").status_code == 403


def test_building_pages(admin_client, database):
    assert "A1" in admin_client.get("/admin/buildings").text
    response = post(admin_client, "/admin/buildings/new", {"code": "A1", "name.zh-Hans": "", "floors": "1, 1"})
    assert response.status_code == 422
    assert error_next_to(response.text, "code") and error_next_to(response.text, "floors")
    assert 'value="1, 1"' in response.text
    response = post(admin_client, "/admin/buildings/new", {"code": "B2", "name.zh-Hans": "B2栋", "floors": "1，2",
                                                          "active": "1"})
    assert response.status_code == 303
    with database.read() as session:
        building = session.scalar(select(Building).where(Building.code == "B2"))
        assert building.floors == ["1", "2"]
    a1 = admin_client.get("/admin/buildings")
    assert "B2" in a1.text
    with database.read() as session:
        a1_id = session.scalar(select(Building.id).where(Building.code == "A1"))
    refused = post(admin_client, f"/admin/buildings/{a1_id}/delete")
    assert refused.status_code == 409 and 'id="admin-failure"' in refused.text
    assert post(admin_client, f"/admin/buildings/{building.id}/delete").status_code == 303


def test_enterprise_pages(admin_client, database):
    listing = admin_client.get("/admin/enterprises?q=一号")
    assert "一号企业" in listing.text and "二号企业" not in listing.text
    wrong = CODE[:17] + ("0" if CODE[17] != "0" else "1")
    response = post(admin_client, "/admin/enterprises/new", {"name": "三号企业", "credit_code": wrong, "floor": "2"})
    assert response.status_code == 422
    assert error_next_to(response.text, "credit_code") and error_next_to(response.text, "building_id")
    assert 'value="三号企业"' in response.text
    response = post(admin_client, "/admin/enterprises/new", {"name": "三号企业", "credit_code": CODE, "active": "1"})
    assert response.status_code == 303
    page = admin_client.get(response.headers["location"])
    assert 'id="admin-notice"' in page.text and CODE in page.text
    with database.read() as session:
        one = session.scalar(select(Enterprise).where(Enterprise.name == "一号企业"))
    page = admin_client.get(f"/admin/enterprises/{one.id}")
    assert "Contact1" in page.text
    refused = post(admin_client, f"/admin/enterprises/{one.id}/delete")
    assert refused.status_code == 409 and 'id="admin-failure"' in refused.text


def test_people_list_filters(admin_client, world):
    page = admin_client.get("/admin/people?role=staff")
    assert "staff1" in page.text and "member1" not in page.text
    page = admin_client.get(f"/admin/people?department_id={world.departments['legal'].id}")
    assert "staff3" in page.text and "staff1" not in page.text
    page = admin_client.get(f"/admin/people?enterprise_id={world['member1'].enterprise_id}")
    assert "member1" in page.text and "member2" not in page.text
    assert "contact2" in admin_client.get("/admin/people?q=contact2").text


def test_people_form_errors_and_create(admin_client, database, world):
    response = post(admin_client, "/admin/people/new", {"username": "new one", "display_name": "Newbie",
                                                        "roles": ["staff", "contact"]})
    assert response.status_code == 422
    for field in ("username", "department_id", "enterprise_id"):
        assert error_next_to(response.text, field), field
    assert 'value="Newbie"' in response.text and 'value="staff" checked' in response.text
    response = post(admin_client, "/admin/people/new", {
        "username": "newbie", "display_name": "Newbie", "roles": ["lead"],
        "department_id": str(world.departments["care"].id)})
    assert response.status_code == 303
    with database.read() as session:
        newbie = session.scalar(select(Person).where(Person.username == "newbie"))
        assert newbie.roles == {Role.lead, Role.staff}


def test_reset_password_shows_it_once(admin_client, world, database):
    member = world["member1"].id
    response = post(admin_client, f"/admin/people/{member}/reset-password")
    assert response.status_code == 200 and 'id="temporary-password"' in response.text
    assert response.headers["cache-control"] == "no-store"
    assert 'id="temporary-password"' not in admin_client.get(f"/admin/people/{member}").text
    with database.read() as session:
        assert session.get(Person, member).must_change_password


def test_disable_ends_their_session_at_once(settings, database, world, admin_client):
    with TestClient(create_app(settings, database), base_url="http://testserver") as theirs:
        sign_in(theirs, "member1")
        assert theirs.get("/account/password").status_code == 200
        assert post(admin_client, f"/admin/people/{world['member1'].id}/active").status_code == 303
        assert theirs.get("/account/password", follow_redirects=False).status_code == 303  # to /login
        token = csrf_from(theirs.get("/login").text)
        again = theirs.post("/login", data={"username": "member1", "password": "test-pass-1", "csrf_token": token},
                            follow_redirects=False)
        assert again.status_code == 401
    assert post(admin_client, f"/admin/people/{world['member1'].id}/active", {"active": "1"}).status_code == 303


def test_admin_cannot_disable_themselves(admin_client, world):
    response = post(admin_client, f"/admin/people/{world['admin1'].id}/active")
    assert response.status_code == 403 and 'id="admin-failure"' in response.text


def test_an_over_long_name_is_refused_not_cut(admin_client, database):
    """Names were cut at 200 characters by the form reader, so the 200-character rule never fired."""
    response = post(admin_client, "/admin/buildings/new", {"code": "B9", "name.zh-Hans": "楼" * 201, "floors": "1"})
    assert response.status_code == 422 and error_next_to(response.text, "name.zh-Hans")
    with database.read() as session:
        assert session.scalar(select(Building).where(Building.code == "B9")) is None


def test_people_pager_links_keep_the_search_as_text(admin_client, monkeypatch):
    from server import queries

    monkeypatch.setattr(queries, "PAGE_SIZE", 1)
    page = admin_client.get("/admin/people", params={"q": "staff"}).text
    assert 'href="/admin/people?page=2&amp;q=staff"' in page
    # a filter that is no id lists everyone, and its link carries it as typed, encoded
    crafted = admin_client.get("/admin/people", params={"department_id": "x&role=admin#"}).text
    assert 'href="/admin/people?page=2&amp;department_id=x%26role%3Dadmin%23"' in crafted
