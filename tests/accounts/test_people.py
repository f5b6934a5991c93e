"""People: validation of roles against department and enterprise, password resets that force
a change and end every session, disabling that takes effect at once, self-lockout guards."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.accounts import people as people_service
from server.accounts import service as account_service
from server.accounts.passwords import verify_password
from server.accounts.people import PersonInput
from server.enums import Role
from server.errors import Forbidden, InvalidInput, NotAuthenticated
from server.models import AuditEntry, Department, Enterprise, Person


def _input(**overrides) -> PersonInput:
    values = {"username": "newcomer", "display_name": "New Comer", "roles": {"member"}}
    values.update(overrides)
    return PersonInput(**values)


def test_create_without_a_usable_password(database, admin):
    with database.write() as session:
        person = people_service.create(session, admin, _input(phone="138 0000 0000", email="a@example.com"))
        assert person.must_change_password
    with database.write() as session, pytest.raises(NotAuthenticated):
        account_service.authenticate(session, "newcomer", "")
    with database.read() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.entity == "person"))
        assert entry.action == "create" and entry.after["roles"] == ["member"]
        assert "password_hash" not in entry.after


@pytest.mark.parametrize(("overrides", "field"), [
    ({"username": "has space"}, "username"),
    ({"username": "admin1"}, "username"),
    ({"display_name": " "}, "display_name"),
    ({"roles": set()}, "roles"),
    ({"roles": {"wizard"}}, "roles"),
    ({"roles": {"staff"}}, "department_id"),
    ({"roles": {"lead"}}, "department_id"),
    ({"roles": {"contact"}}, "enterprise_id"),
    ({"email": "not-an-address"}, "email"),
    ({"phone": "call me"}, "phone"),
    ({"department_id": 9999}, "department_id"),
    ({"enterprise_id": 9999}, "enterprise_id"),
])
def test_invalid_input_names_the_field(database, admin, overrides, field):
    with database.write() as session, pytest.raises(InvalidInput) as caught:
        people_service.create(session, admin, _input(**overrides))
    assert field in caught.value.errors


def test_lead_is_also_staff(database, admin, world):
    with database.write() as session:
        person = people_service.create(
            session, admin, _input(roles={"lead"}, department_id=world.departments["legal"].id))
        assert person.roles == {Role.lead, Role.staff}


def test_nobody_new_joins_a_retired_enterprise(database, admin, world):
    with database.write() as session:
        enterprise = session.scalar(select(Enterprise).where(Enterprise.name == "一号企业"))
        enterprise.active = False
        with pytest.raises(InvalidInput) as caught:
            people_service.create(session, admin, _input(roles={"contact"}, enterprise_id=enterprise.id))
        assert "enterprise_id" in caught.value.errors
        # someone already there may stay
        member = session.get(Person, world["member1"].id)
        people_service.update(session, admin, member, _input(username="member1", display_name="M1",
                                                             enterprise_id=enterprise.id))


def test_update_roles_and_audit(database, admin, world):
    with database.write() as session:
        person = session.get(Person, world["member1"].id)
        people_service.update(session, admin, person, _input(username="member1", display_name="Member One",
                                                             roles={"member", "dispatcher"},
                                                             enterprise_id=person.enterprise_id))
    with database.read() as session:
        person = session.get(Person, world["member1"].id)
        assert person.roles == {Role.member, Role.dispatcher}
        entry = session.scalar(select(AuditEntry).where(AuditEntry.entity == "person", AuditEntry.action == "update"))
        assert entry.before["roles"] == ["member"] and entry.after["roles"] == ["dispatcher", "member"]


def test_reset_password_forces_a_change_and_ends_sessions(database, admin, world):
    with database.write() as session:
        person = session.get(Person, world["member1"].id)
        secret, _ = account_service.issue_token(session, person, kind="session")
        api_secret, _ = account_service.issue_token(session, person, kind="api")
    with database.write() as session:
        temporary = people_service.reset_password(session, admin, session.get(Person, world["member1"].id))
    assert len(temporary) == 10
    with database.read() as session:
        person = session.get(Person, world["member1"].id)
        assert person.must_change_password and verify_password(temporary, person.password_hash)
        assert account_service.resolve_token(session, secret, kind="session") is None
        assert account_service.resolve_token(session, api_secret, kind="api") is None
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "reset_password"))
        assert entry.after["must_change_password"] is True and "password_hash" not in entry.after


def test_disable_revokes_access_immediately(database, admin, world):
    with database.write() as session:
        person = session.get(Person, world["member1"].id)
        secret, _ = account_service.issue_token(session, person, kind="api")
    with database.write() as session:
        people_service.set_active(session, admin, session.get(Person, world["member1"].id), False)
    with database.write() as session:
        assert account_service.resolve_token(session, secret, kind="api") is None
        with pytest.raises(NotAuthenticated):
            account_service.authenticate(session, "member1", "test-pass-1")
        people_service.set_active(session, admin, session.get(Person, world["member1"].id), True)
        assert account_service.authenticate(session, "member1", "test-pass-1")
        session.flush()
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "person")).all()
        assert actions == ["disable", "enable"]


def test_admin_cannot_lock_themselves_out(database, admin):
    with database.write() as session:
        me = session.get(Person, admin.id)
        with pytest.raises(Forbidden):
            people_service.set_active(session, me, me, False)
        with pytest.raises(Forbidden):
            people_service.update(session, me, me, _input(username="admin1", display_name="A", roles={"member"}))


def test_staff_keeps_department_rule_on_update(database, admin, world):
    with database.write() as session:
        staff = session.get(Person, world["staff1"].id)
        with pytest.raises(InvalidInput) as caught:
            people_service.update(session, admin, staff, _input(username="staff1", display_name="S", roles={"staff"}))
        assert "department_id" in caught.value.errors
        union = session.get(Department, world.departments["union"].id)
        people_service.update(session, admin, staff, _input(username="staff1", display_name="S", roles={"staff"},
                                                            department_id=union.id))
