"""The menu administration service: validation, references, audit, and changes that reach
the menu, ordering and routing at once."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from server.accounts.people_repository import person_by_username
from server.app import create_app
from server.catalog import service as svc
from server.catalog import snapshot
from server.enums import FieldType
from server.errors import Conflict, InvalidInput
from server.models import AuditEntry, Category, Department, Service, ServiceField
from server.requests import presenters, repository
from tests.factories import PASSWORD
from tests.requests.helpers import submit


def _category_id(database) -> int:
    with database.read() as session:
        return session.scalar(select(Category.id).where(Category.code == "mass"))


def _service_input(database, **changes) -> svc.ServiceInput:
    values = dict(code="mass.new-thing", category_id=_category_id(database), name={"zh-Hans": "新服务"},
                  claim_limit_hours=4, complete_limit_days=5)
    values.update(changes)
    return svc.ServiceInput(**values)


def _errors(database, work) -> dict:
    with pytest.raises(InvalidInput) as info, database.write() as session:
        work(session)
    return info.value.errors


def _audit(database, entity: str) -> list[AuditEntry]:
    with database.read() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.id)))


# --- validation ----------------------------------------------------------------------------------
def test_service_rules_are_reported_per_field(database, world, admin):
    data = _service_input(database, code="Bad Code", name={"en": "only English"}, claim_limit_hours=0,
                          complete_limit_days="many", department_id=999_999, audience="nobody")
    errors = _errors(database, lambda s: svc.create_service(s, admin, data))
    assert set(errors) == {"code", "name.zh-Hans", "claim_limit_hours", "complete_limit_days", "department_id", "audience"}


def test_codes_are_unique(database, world, admin):
    errors = _errors(database, lambda s: svc.create_service(s, admin, _service_input(database, code="legal.aid")))
    assert errors == {"code": "Another service has this code."}
    errors = _errors(database, lambda s: svc.create_category(s, admin, svc.CategoryInput("mass", {"zh-Hans": "x"})))
    assert errors == {"code": "Another category has this code."}


def test_department_must_be_active(database, world, admin):
    with database.write() as session:
        session.get(Department, world.departments["care"].id).active = False
    data = _service_input(database, department_id=world.departments["care"].id)
    assert "department_id" in _errors(database, lambda s: svc.create_service(s, admin, data))


def test_field_rules(database, world, admin):
    service_id = world.services["legal.aid"].id

    def add(**values):
        data = svc.FieldInput(**{"code": "f1", "type": "text", "label": {"zh-Hans": "问题"}, **values})
        return _errors(database, lambda s: svc.add_field(s, admin, service_id, data))

    assert set(add(type="single_choice", choices=[{"value": "a", "label": {"zh-Hans": "甲"}}])) == {"choices"}
    dupes = [{"value": "a", "label": {"zh-Hans": "甲"}}, {"value": "a", "label": {"zh-Hans": "乙"}}]
    assert "used twice" in str(add(type="multiple_choice", choices=dupes)["choices"])
    assert set(add(type="number", min_value="10", max_value="2")) == {"max_value"}
    assert set(add(type="date", min_value="1")) == {"min_value"}
    assert set(add(type="number", max_length="3")) == {"max_length"}
    assert set(add(code="Bad code!", label={})) == {"code", "label.zh-Hans"}
    assert set(add(type="colour")) == {"type"}


# --- audit ---------------------------------------------------------------------------------------
def test_every_change_is_audited_with_before_and_after(database, world, admin):
    with database.write() as session:
        service = svc.create_service(session, admin, _service_input(database))
        service_id = service.id
    with database.write() as session:
        svc.update_service(session, admin, service_id, _service_input(database, claim_limit_hours=8))
    with database.write() as session:
        # Saving without a change records nothing.
        svc.update_service(session, admin, service_id, _service_input(database, claim_limit_hours=8))
        svc.retire_service(session, admin, service_id)
    entries = _audit(database, "service")
    assert [e.action for e in entries] == ["create", "update", "retire"]
    assert all(e.actor_id == admin.id and e.entity_label == "mass.new-thing" for e in entries)
    assert entries[1].before["claim_limit_hours"] == 4 and entries[1].after["claim_limit_hours"] == 8
    assert entries[2].before["retired_at"] is None and entries[2].after["retired_at"]


# --- references ----------------------------------------------------------------------------------
def test_deleting_a_service_with_requests_is_refused_naming_them(database, world, admin):
    submit(database, "member1", "legal.aid")
    with pytest.raises(Conflict) as info, database.write() as session:
        svc.delete_service(session, admin, world.services["legal.aid"].id)
    assert "1 request(s) were filed for the service legal.aid" in info.value.detail
    assert "Retire it instead" in info.value.detail


def test_deleting_a_category_with_services_is_refused_naming_them(database, world, admin):
    with pytest.raises(Conflict) as info, database.write() as session:
        svc.delete_category(session, admin, _category_id(database))
    assert "still holds 5 service(s): union.join, legal.aid" in info.value.detail


def test_unreferenced_rows_can_be_deleted(database, world, admin):
    with database.write() as session:
        svc.delete_service(session, admin, world.services["union.join"].id)  # with its two fields
        category = svc.create_category(session, admin, svc.CategoryInput("empty", {"zh-Hans": "空"}))
    with database.write() as session:
        svc.delete_category(session, admin, category.id)
    with database.read() as session:
        assert session.scalar(select(Service).where(Service.code == "union.join")) is None
        assert session.scalars(select(ServiceField)).all() == []
    assert [e.action for e in _audit(database, "service")] == ["delete"]


# --- reorder -------------------------------------------------------------------------------------
def test_reorder_moves_a_service_among_its_siblings(database, world, admin):
    with database.write() as session:
        svc.move_service(session, admin, world.services["legal.aid"].id, "up")
        svc.move_service(session, admin, world.services["legal.aid"].id, "up")  # now first: nothing to do
    with database.read() as session:
        order = [s.code for s in snapshot.load(session).ordered_services()]
    assert order[:2] == ["legal.aid", "union.join"]
    assert [e.action for e in _audit(database, "service")] == ["reorder"]


# --- effects everywhere, at once ----------------------------------------------------------------
@pytest.fixture
def client(settings, database, world):
    with TestClient(create_app(settings, database)) as client:
        yield client


def _token(client, username: str) -> dict:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_retiring_hides_the_service_and_refuses_orders_but_old_requests_keep_it(client, database, world, admin):
    old = submit(database, "member1", "legal.aid")
    headers = _token(client, "member1")
    assert "legal.aid" in [s["code"] for s in client.get("/api/v1/services", headers=headers).json()]
    with database.write() as session:
        svc.retire_service(session, admin, world.services["legal.aid"].id)
    assert "legal.aid" not in [s["code"] for s in client.get("/api/v1/services", headers=headers).json()]
    response = client.post("/api/v1/requests", headers=headers, json={"service_code": "legal.aid", "description": "再来"})
    assert response.status_code == 422
    shown = client.get(f"/api/v1/requests/{old.number}", headers=headers).json()
    assert shown["service"]["code"] == "legal.aid"


def test_retiring_a_category_takes_all_its_services_off_the_menu(client, database, world, admin):
    old = submit(database, "member1", "legal.aid")
    headers = _token(client, "member1")
    category_id = _category_id(database)
    with database.write() as session:
        svc.retire_category(session, admin, category_id)
    menu = [s["code"] for s in client.get("/api/v1/services", headers=headers).json()]
    assert "legal.aid" not in menu and "union.join" not in menu
    assert client.get("/api/v1/services/legal.aid", headers=headers).json()["retired"] is True
    refused = client.post("/api/v1/requests", headers=headers, json={"service_code": "legal.aid", "description": "再来"})
    assert refused.status_code == 422
    assert client.get(f"/api/v1/requests/{old.number}", headers=headers).json()["service"]["code"] == "legal.aid"
    with database.write() as session:
        svc.unretire_category(session, admin, category_id)
    assert "legal.aid" in [s["code"] for s in client.get("/api/v1/services", headers=headers).json()]
    assert [e.action for e in _audit(database, "category")] == ["retire", "unretire"]


def test_a_department_change_routes_the_next_submission(database, world, admin):
    service = world.services["legal.aid"]
    with database.write() as session:
        svc.update_service(session, admin, service.id, svc.ServiceInput(
            code="legal.aid", category_id=service.category_id, name=service.name,
            department_id=world.departments["care"].id, claim_limit_hours=4, complete_limit_days=5,
        ))
    request = submit(database, "member1", "legal.aid")
    assert request.department_id == world.departments["care"].id


def test_field_changes_leave_old_requests_showing_their_labels(database, world, admin):
    old = submit(database, "member1", "union.join", answers={"people": 3, "kind": "move"})
    union = world.services["union.join"]
    with database.read() as session:
        fields = {f.code: f for f in session.scalars(select(ServiceField).where(ServiceField.service_id == union.id))}
    with database.write() as session:
        svc.update_field(session, admin, fields["people"].id, svc.FieldInput(
            code="people", type=FieldType.number, label={"zh-Hans": "参加人数", "en": "Attendees"}, required=True,
            min_value=1, max_value=10,
        ))
        svc.remove_field(session, admin, fields["kind"].id)
    with database.read() as session:
        member = person_by_username(session, "member1")
        request = repository.get_visible(session, member, old.number)
        shown = presenters.detail(session, member, request, "en")
    answers = {a.code: a for a in shown.answers}
    assert answers["people"].label == "People" and answers["people"].value == 3
    assert answers["kind"].label == "Kind"
    # A new request is asked the new questions.
    new = submit(database, "member1", "union.join", answers={"people": 2})
    assert [a["label"]["en"] for a in new.answers] == ["Attendees"]
