"""The audit trail as its reader reads it: field labels and values in their language (是/否,
names instead of ids and JSON, lists joined), and a link to the changed object while it exists."""

from __future__ import annotations

import re

import pytest

from server.audit.service import record
from server.enums import Role
from server.models import Category, Department, Service
from tests.web.conftest import csrf_from


@pytest.fixture
def menu(database):
    with database.write() as session:
        union = Department(code="union", name={"zh-Hans": "工会", "en": "Union"}, kind="mass_organisation")
        care = Department(code="care", name={"zh-Hans": "关爱站", "en": "Care desk"}, kind="mass_organisation")
        category = Category(code="mass", name={"zh-Hans": "群团服务", "en": "Mass"})
        session.add_all([union, care, category])
        session.flush()
        join = Service(code="mass.join", category_id=category.id, name={"zh-Hans": "入会", "en": "Joining"},
                       department_id=union.id)
        session.add(join)
        session.flush()
        return {"union": union.id, "care": care.id, "category": category.id, "join": join.id}


@pytest.fixture
def admin_client(signed_in):
    return signed_in(Role.admin, username="root")


def _entry(html: str) -> str:
    match = re.search(r'<li class="audit-entry">.*?</li>', html, re.S)
    assert match, "no audit entry"
    return re.sub(r"\s+", " ", match.group(0))


def _change(admin_client, menu, **extra) -> None:
    page = admin_client.get(f"/admin/catalog/services/{menu['join']}").text
    admin_client.post(f"/admin/catalog/services/{menu['join']}", data={
        "csrf_token": csrf_from(page), "code": "mass.join", "category_id": str(menu["category"]),
        "name.zh-Hans": "入会申请", "name.en": "Joining", "audience": "members", "department_id": str(menu["care"]),
        "claim_limit_hours": "6", "complete_limit_days": "5", **extra,
    })


def test_a_change_reads_in_chinese(admin_client, menu):
    _change(admin_client, menu)  # the attachments checkbox left off: allowed → not allowed
    entry = _entry(admin_client.get("/admin/audit?entity=service").text)
    assert "允许附件" in entry and '<span class="audit-old">是</span> → <span class="audit-new">否</span>' in entry
    assert '<span class="audit-old">入会</span> → <span class="audit-new">入会申请</span>' in entry
    assert "谁可以下单" in entry and "党员/职工和企业" in entry
    assert '<span class="audit-old">工会</span> → <span class="audit-new">关爱站</span>' in entry
    assert "接单时限（工作小时）" in entry
    for raw in ("allow_attachments", "department_id", "true", "zh-Hans", "{"):
        assert raw not in entry, raw
    assert f'href="/admin/catalog/services/{menu["join"]}"' in entry


def test_an_english_reader_reads_it_in_english(admin_client, menu):
    _change(admin_client, menu)
    admin_client.get("/lang/en")
    entry = _entry(admin_client.get("/admin/audit?entity=service").text)
    assert "Attachments allowed" in entry and '<span class="audit-old">Yes</span> → <span class="audit-new">No</span>' in entry
    assert '<span class="audit-old">Union</span> → <span class="audit-new">Care desk</span>' in entry
    assert '<span class="audit-old">Joining</span>' not in entry  # the English name did not change


def test_lists_are_joined_and_a_gone_object_has_no_link(admin_client, database, menu):
    with database.write() as session:
        record(session, None, entity="person", action="update", entity_id=987654, label="gone",
               before={"roles": ["member"], "must_change_password": False, "locale": None},
               after={"roles": ["member", "staff"], "must_change_password": True, "locale": "zh-Hant"})
        record(session, None, entity="service_field", action="create", entity_id=987655, label="mass.join/kind",
               after={"choices": [{"value": "new", "label": {"zh-Hans": "新入会", "en": "New"}},
                                  {"value": "move", "label": {"zh-Hans": "转入", "en": "Transfer in"}}],
                      "service_id": menu["join"], "required": True})
    page = admin_client.get("/admin/audit").text
    entries = [re.sub(r"\s+", " ", e) for e in re.findall(r'<li class="audit-entry">.*?</li>', page, re.S)]
    field, person = entries[0], entries[1]
    assert "选项（单选和多选）" in field and "新入会、转入" in field and "入会" in field
    assert "value" not in field and "987655" not in field.replace("mass.join/kind", "")
    assert "角色" in person and '<span class="audit-old">党员/职工</span> → <span class="audit-new">党员/职工、承接人</span>' in person
    assert "繁體中文" in person
    assert "/admin/people/987654" not in page and "/admin/catalog/fields/987655" not in page  # gone: no link


def test_a_person_that_still_exists_is_linked(admin_client, database, make_person):
    make_person("lily", Role.member)
    page = admin_client.get("/admin/people").text
    link = re.search(r'href="(/admin/people/\d+)"', page).group(1)
    person_page = admin_client.get(link).text
    data = {"csrf_token": csrf_from(person_page), "username": "lily", "display_name": "Lily Wang", "roles": "member"}
    admin_client.post(link, data=data)
    audit = admin_client.get("/admin/audit?entity=person").text
    assert f'href="{link}"' in audit and "Lily Wang" in audit


def test_the_trail_runs_a_fixed_number_of_queries(admin_client, database, menu, count_queries):
    def add(times: int) -> None:
        with database.write() as session:
            for i in range(times):
                record(session, None, entity="person", action="update", entity_id=900000 + i, label=f"p{i}",
                       before={"last_assignee_id": None}, after={"roles": ["member"]})
                record(session, None, entity="service_field", action="delete", entity_id=800000 + i, label=f"f{i}",
                       before={"department_id": menu["union"]})
                record(session, None, entity="department", action="update", entity_id=menu["union"], label="union",
                       before={"last_assignee_id": i + 1}, after={"last_assignee_id": i + 2})

    add(1)
    admin_client.get("/admin/audit")
    with count_queries(database) as few:
        admin_client.get("/admin/audit")
    add(8)
    with count_queries(database) as many:
        page = admin_client.get("/admin/audit").text
    assert page.count('class="audit-entry"') == 27
    assert many.count == few.count, many
