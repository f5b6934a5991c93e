"""/admin/departments: admins only, errors next to fields with values kept, people and lead,
deletion refused with the referrers named."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from server.app import create_app
from server.enums import Role
from server.models import Department, Person
from tests.admin.pages import error_next_to, post, sign_in


@pytest.fixture
def client(settings, database, world):
    with TestClient(create_app(settings, database), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def admin_client(client):
    return sign_in(client, "admin1")


@pytest.mark.parametrize("url", ["/admin/departments", "/admin/departments/new", "/admin/departments/1"])
def test_only_admins(client, url):
    sign_in(client, "dispatcher1")
    assert client.get(url).status_code == 403
    assert post(client, url if url != "/admin/departments" else "/admin/departments/new", {}).status_code == 403


def test_list_and_edit_page(admin_client, world):
    page = admin_client.get("/admin/departments")
    assert page.status_code == 200 and "union" in page.text
    union = world.departments["union"].id
    edit = admin_client.get(f"/admin/departments/{union}")
    assert "Staff1" in edit.text and "Lead1" in edit.text


def test_create_with_errors_keeps_values(admin_client, database):
    response = post(admin_client, "/admin/departments/new", {
        "code": "union", "name.zh-Hans": "", "name.en": "Youth League", "kind": "government",
        "assignment_mode": "open_queue", "workday_periods": "late", "active": "1"})
    assert response.status_code == 422
    assert error_next_to(response.text, "code") and error_next_to(response.text, "name.zh-Hans")
    assert error_next_to(response.text, "workday_periods")
    assert 'value="Youth League"' in response.text and 'value="late"' in response.text


def test_create_then_set_lead(admin_client, database, world):
    response = post(admin_client, "/admin/departments/new", {
        "code": "youth", "name.zh-Hans": "团委", "kind": "mass_organisation", "assignment_mode": "round_robin",
        "active": "1"})
    assert response.status_code == 303
    with database.read() as session:
        youth = session.scalar(select(Department).where(Department.code == "youth"))
        assert youth.active and youth.assignment_mode == "round_robin"
    union = world.departments["union"].id
    response = post(admin_client, f"/admin/departments/{union}", {
        "code": "union", "name.zh-Hans": "工会", "kind": "mass_organisation", "assignment_mode": "open_queue",
        "lead_id": str(world["staff3"].id), "active": "1"})
    assert response.status_code == 422 and error_next_to(response.text, "lead_id")
    response = post(admin_client, f"/admin/departments/{union}", {
        "code": "union", "name.zh-Hans": "工会", "kind": "mass_organisation", "assignment_mode": "open_queue",
        "lead_id": str(world["staff2"].id), "active": "1"})
    assert response.status_code == 303
    with database.read() as session:
        assert Role.lead in session.get(Person, world["staff2"].id).roles


def test_delete_refused_names_referrers_then_deactivate(admin_client, database, world):
    union = world.departments["union"].id
    response = post(admin_client, f"/admin/departments/{union}/delete")
    assert response.status_code == 409 and 'id="admin-failure"' in response.text
    assert "2" in response.text and "3" in response.text
    assert post(admin_client, f"/admin/departments/{union}/active", {}).status_code == 303
    with database.read() as session:
        assert not session.get(Department, union).active


def test_an_over_long_code_is_refused_not_cut(admin_client, database):
    """The admin form reader once cut a 41-character code to 40 and saved it as typed by nobody."""
    response = post(admin_client, "/admin/departments/new", {
        "code": "d" * 41, "name.zh-Hans": "部门", "kind": "government", "assignment_mode": "open_queue", "active": "1"})
    assert response.status_code == 422 and error_next_to(response.text, "code")
    assert 'value="' + "d" * 41 + '"' in response.text
    with database.read() as session:
        assert session.scalar(select(Department).where(Department.code.like("ddd%"))) is None
