"""Party membership 党员 on a person: set on the admin people page (the one write path,
server/accounts/people.py), in the audit trail, kept by a door that does not send it (the
bulk import), and read from the demo seeds."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from server.accounts import people as people_service
from server.app import create_app
from server.errors import InvalidInput
from server.models import AuditEntry, Person
from tests.admin.pages import error_next_to, post, sign_in


@pytest.fixture
def admin_client(settings, database, world):
    with TestClient(create_app(settings, database), base_url="http://testserver") as client:
        yield sign_in(client, "admin1")


def _form(person: Person, **changes) -> dict:
    data = {"username": person.username, "display_name": person.display_name, "roles": sorted(person.roles),
            "enterprise_id": person.enterprise_id or "", "department_id": person.department_id or ""}
    data.update(changes)
    return data


def test_the_admin_page_makes_someone_a_party_member_with_a_branch(admin_client, database, world):
    member = world["member1"]
    page = admin_client.get(f"/admin/people/{member.id}")
    assert 'name="is_party_member"' in page.text and 'name="party_branch"' in page.text
    response = post(admin_client, f"/admin/people/{member.id}",
                    _form(member, is_party_member="1", party_branch="一号企业党支部"))
    assert response.status_code == 303, response.text
    with database.read() as session:
        saved = session.get(Person, member.id)
        assert (saved.is_party_member, saved.party_branch) == (True, "一号企业党支部")
        entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "person")
                                .order_by(AuditEntry.id.desc())).first()
        assert entry.after["is_party_member"] is True and entry.before["is_party_member"] is False
    shown = admin_client.get(f"/admin/people/{member.id}").text
    assert 'name="is_party_member" value="1" checked' in shown and "一号企业党支部" in shown


def test_unticking_membership_clears_the_branch(admin_client, database, world):
    member = world["member1"]
    post(admin_client, f"/admin/people/{member.id}", _form(member, is_party_member="1", party_branch="支部"))
    post(admin_client, f"/admin/people/{member.id}", _form(member))
    with database.read() as session:
        saved = session.get(Person, member.id)
        assert (saved.is_party_member, saved.party_branch) == (False, "")


def test_a_branch_without_membership_or_too_long_is_refused_next_to_the_field(admin_client, world):
    member = world["member1"]
    response = post(admin_client, f"/admin/people/{member.id}", _form(member, party_branch="支部"))
    assert response.status_code == 422 and error_next_to(response.text, "party_branch")
    response = post(admin_client, f"/admin/people/{member.id}", _form(member, is_party_member="1",
                                                                       party_branch="支" * 101))
    assert response.status_code == 422 and error_next_to(response.text, "party_branch")


def test_a_door_that_does_not_send_membership_keeps_it(database, world, admin):
    member = world["member1"]
    with database.write() as session:
        person = session.get(Person, member.id)
        people_service.update(session, None, person, people_service.PersonInput(
            username="member1", display_name="M", roles={"member"}, enterprise_id=person.enterprise_id,
            is_party_member=True, party_branch="支部"))
    with database.write() as session:
        person = session.get(Person, member.id)
        # what the bulk import sends: no party fields at all
        people_service.update(session, None, person, people_service.PersonInput(
            username="member1", display_name="M2", roles={"member"}, enterprise_id=person.enterprise_id))
    with database.read() as session:
        person = session.get(Person, member.id)
        assert (person.display_name, person.is_party_member, person.party_branch) == ("M2", True, "支部")


def test_a_new_account_is_not_a_party_member_unless_said(database, world):
    with database.write() as session:
        person = people_service.add(session, people_service.PersonInput(username="new1", display_name="N",
                                                                        roles={"member"}))
        assert person.is_party_member is False and person.party_branch == ""
        with pytest.raises(InvalidInput) as refused:
            people_service.add(session, people_service.PersonInput(username="new2", display_name="N",
                                                                   roles={"member"}, party_branch="支部"))
        assert "party_branch" in refused.value.errors


def test_the_demo_seeds_have_party_members_with_branches(database):
    from server.seeding import load_seeds

    with database.write() as session:
        load_seeds(session)
    with database.read() as session:
        party = session.scalars(select(Person).where(Person.is_party_member)).all()
    assert len(party) >= 8
    assert {"member1", "member7", "staff13"} <= {p.username for p in party}
    assert len({p.party_branch for p in party if p.party_branch}) >= 3
