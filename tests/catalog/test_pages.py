"""The menu administration and audit pages as a browser sees them (no script: plain forms),
and the htmx variants of reorder and retire."""

# ruff: noqa: F811 - the page fixtures imported from tests/web are used as arguments
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from server.enums import Role
from server.models import AuditEntry, Category, Department, Service, ServiceField, utcnow
from tests.web.conftest import app, client, csrf_from, make_person, signed_in  # noqa: F401 - page fixtures


@pytest.fixture
def menu(database):
    """One category with a service routed to a department and a retired one."""
    with database.write() as session:
        department = Department(code="union", name={"zh-Hans": "工会", "en": "Union"}, kind="mass_organisation")
        category = Category(code="mass", name={"zh-Hans": "群团服务", "zh-Hant": "群團服務", "en": "Mass"})
        session.add_all([department, category])
        session.flush()
        join = Service(code="mass.join", category_id=category.id, name={"zh-Hans": "入会"}, department_id=department.id)
        old = Service(code="mass.old", category_id=category.id, name={"zh-Hans": "旧服务", "zh-Hant": "舊服務", "en": "Old"},
                      retired_at=utcnow())
        session.add_all([join, old])
        session.flush()
        return {"department": department.id, "category": category.id, "join": join.id, "old": old.id}


@pytest.fixture
def admin_client(signed_in):
    return signed_in(Role.admin, username="root")


@pytest.mark.parametrize("roles", [(Role.member,), (Role.staff,), (Role.dispatcher, Role.supervisor)])
@pytest.mark.parametrize("path", ["/admin/catalog", "/admin/catalog/services/new", "/admin/audit"])
def test_only_admins(signed_in, roles, path):
    assert signed_in(*roles).get(path).status_code == 403


def test_post_needs_an_admin_too(signed_in, menu):
    client = signed_in(Role.member)
    page = client.get("/", follow_redirects=True).text
    response = client.post(f"/admin/catalog/services/{menu['join']}/retire", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 403


def test_list_marks_retired_services_and_missing_translations(admin_client, menu):
    page = admin_client.get("/admin/catalog").text
    retired = re.search(r'<li class="catalog-row is-retired">.*?</li>', page, re.S).group(0)
    assert "mass.old" in retired and "已停用" in retired
    joined = re.search(r'<li class="catalog-row">.*?</li>', page, re.S).group(0)
    assert "mass.join" in joined and "缺少翻译：繁體, English" in joined and "工会" in joined


def test_create_service_form_keeps_input_and_shows_errors_next_to_fields(admin_client, menu):
    page = admin_client.get(f"/admin/catalog/services/new?category={menu['category']}").text
    response = admin_client.post("/admin/catalog/services", data={
        "csrf_token": csrf_from(page), "code": "Bad Code", "category_id": str(menu["category"]), "name.zh-Hans": "",
        "name.en": "Kept English", "audience": "members", "department_id": "", "claim_limit_hours": "0",
        "complete_limit_days": "3",
    })
    assert response.status_code == 422
    html = response.text
    assert 'value="Kept English"' in html and 'value="Bad Code"' in html
    assert re.search(r'id="field-code"[^>]*aria-invalid="true"', html)
    assert 'id="field-name-zh-Hans-error"' in html and "简体中文必填" in html
    assert 'id="field-claim_limit_hours-error"' in html


def test_create_service_then_its_fields(admin_client, database, menu):
    page = admin_client.get("/admin/catalog/services/new").text
    response = admin_client.post("/admin/catalog/services", data={
        "csrf_token": csrf_from(page), "code": "mass.visit", "category_id": str(menu["category"]),
        "name.zh-Hans": "走访", "audience": "both", "department_id": str(menu["department"]),
        "claim_limit_hours": "8", "complete_limit_days": "3", "allow_attachments": "on",
    }, follow_redirects=False)
    assert response.status_code == 303
    fields_url = response.headers["location"]
    page = admin_client.get(fields_url).text
    response = admin_client.post(fields_url, data={
        "csrf_token": csrf_from(page), "code": "size", "type": "single_choice", "label.zh-Hans": "规模",
        "required": "on", "choices": "small | 小 | 小 | Small\nlarge | 大",
    }, follow_redirects=False)
    assert response.status_code == 303
    with database.read() as session:
        service = session.scalar(select(Service).where(Service.code == "mass.visit"))
        field = session.scalar(select(ServiceField).where(ServiceField.service_id == service.id))
    assert service.department_id == menu["department"] and service.claim_limit_hours == 8
    assert field.choices == [{"value": "small", "label": {"zh-Hans": "小", "zh-Hant": "小", "en": "Small"}},
                             {"value": "large", "label": {"zh-Hans": "大"}}]
    page = admin_client.get(f"/admin/catalog/fields/{field.id}").text
    assert "small | 小 | 小 | Small\nlarge | 大" in page


def test_field_form_errors(admin_client, menu):
    url = f"/admin/catalog/services/{menu['join']}/fields"
    page = admin_client.get(url).text
    response = admin_client.post(url, data={"csrf_token": csrf_from(page), "code": "n", "type": "number",
                                            "label.zh-Hans": "人数", "min_value": "5", "max_value": "1"})
    assert response.status_code == 422
    assert 'id="field-max_value-error"' in response.text and 'value="5"' in response.text


def test_retire_with_htmx_returns_the_list(admin_client, database, menu):
    page = admin_client.get("/admin/catalog").text
    response = admin_client.post(f"/admin/catalog/services/{menu['join']}/retire",
                                 headers={"HX-Request": "true", "X-CSRF-Token": csrf_from(page)})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="catalog-list"')
    assert "<html" not in response.text
    with database.read() as session:
        assert session.get(Service, menu["join"]).retired_at is not None


def test_a_category_is_retired_and_put_back_from_the_list(admin_client, database, menu):
    with database.read() as session:
        category_id = session.get(Service, menu["join"]).category_id
    page = admin_client.get("/admin/catalog").text
    retired = admin_client.post(f"/admin/catalog/categories/{category_id}/retire",
                                headers={"HX-Request": "true", "X-CSRF-Token": csrf_from(page)})
    assert retired.status_code == 200
    assert f'action="/admin/catalog/categories/{category_id}/unretire"' in retired.text
    with database.read() as session:
        assert session.get(Category, category_id).retired_at is not None
    back = admin_client.post(f"/admin/catalog/categories/{category_id}/unretire",
                             data={"csrf_token": csrf_from(page)}, follow_redirects=False)
    assert back.status_code == 303
    with database.read() as session:
        assert session.get(Category, category_id).retired_at is None


def test_reorder_without_script_redirects(admin_client, database, menu):
    page = admin_client.get("/admin/catalog").text
    response = admin_client.post(f"/admin/catalog/services/{menu['old']}/move",
                                 data={"csrf_token": csrf_from(page), "direction": "up"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/catalog"
    with database.read() as session:
        assert session.get(Service, menu["old"]).position < session.get(Service, menu["join"]).position


def test_delete_refused_shows_what_refers(admin_client, menu):
    page = admin_client.get(f"/admin/catalog/categories/{menu['category']}").text
    response = admin_client.post(f"/admin/catalog/categories/{menu['category']}/delete", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 409
    assert "mass.join" in response.text and "mass.old" in response.text


def test_category_create_and_edit(admin_client, database):
    page = admin_client.get("/admin/catalog/categories/new").text
    data = {"csrf_token": csrf_from(page), "code": "party", "name.zh-Hans": "党务", "name.en": "Party"}
    assert admin_client.post("/admin/catalog/categories", data=data, follow_redirects=False).status_code == 303
    with database.read() as session:
        category = session.scalar(select(Category).where(Category.code == "party"))
    assert category.name == {"zh-Hans": "党务", "en": "Party"}
    page = admin_client.get(f"/admin/catalog/categories/{category.id}").text
    assert 'value="党务"' in page


def test_audit_viewer_filters_and_shows_changes(admin_client, database, menu):
    page = admin_client.get(f"/admin/catalog/services/{menu['join']}").text
    admin_client.post(f"/admin/catalog/services/{menu['join']}", data={
        "csrf_token": csrf_from(page), "code": "mass.join", "category_id": str(menu["category"]),
        "name.zh-Hans": "入会申请", "audience": "both", "department_id": str(menu["department"]),
        "claim_limit_hours": "6", "complete_limit_days": "5",
    })
    page = admin_client.get("/admin/audit?entity=service&actor=root").text
    assert "mass.join" in page and "Root (root)" in page
    assert "接单时限（工作小时）" in page and "入会申请" in page
    assert "允许附件" in page  # the checkbox was left off: a change too
    assert "排列顺序" not in page  # unchanged fields are not shown
    assert "mass.join" not in admin_client.get("/admin/audit?actor=nobody").text
    assert "mass.join" not in admin_client.get("/admin/audit?since=2000-01-01&until=2000-01-02").text
    with database.read() as session:
        assert session.scalar(select(AuditEntry.actor_id).where(AuditEntry.entity == "service")) is not None


def test_audit_viewer_pages_by_keyset(admin_client, database, menu, monkeypatch):
    from server.audit import pages as audit_pages

    monkeypatch.setattr(audit_pages, "PAGE_SIZE", 2)
    page = admin_client.get("/admin/catalog").text
    for _ in range(3):
        admin_client.post(f"/admin/catalog/services/{menu['old']}/move", data={"csrf_token": csrf_from(page), "direction": "up"})
        admin_client.post(f"/admin/catalog/services/{menu['old']}/move", data={"csrf_token": csrf_from(page), "direction": "down"})
    first = admin_client.get("/admin/audit").text
    cursor = re.search(r'before=(\d+)', first).group(1)
    second = admin_client.get(f"/admin/audit?before={cursor}").text
    assert first.count('class="audit-entry"') == 2 and second.count('class="audit-entry"') == 2
