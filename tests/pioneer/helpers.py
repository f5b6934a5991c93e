"""A small party for the pioneer tests: the factories' world with member1, member2 and
contact1 made party members (two branches), and staff of a social organisation who is one."""

from __future__ import annotations

from server.enums import DepartmentKind, Role
from server.models import Department, Person
from tests.factories import create_person

BRANCH_A, BRANCH_B = "一号企业党支部", "联合党支部"


def make_party(database, world) -> dict[str, int]:
    """username → id of the party members; also volunteer1 (staff of a social organisation)."""
    with database.write() as session:
        for username, branch in (("member1", BRANCH_A), ("contact1", BRANCH_A), ("member2", BRANCH_B)):
            person = session.get(Person, world[username].id)
            person.is_party_member, person.party_branch = True, branch
        volunteers = Department(code="volunteers", name={"zh-Hans": "志愿者协会"},
                                kind=DepartmentKind.social_organisation)
        session.add(volunteers)
        session.flush()
        volunteer = create_person(session, "volunteer1", Role.staff, department=volunteers)
        volunteer.is_party_member, volunteer.party_branch = True, BRANCH_B
        session.flush()
        ids = {name: world[name].id for name in ("member1", "contact1", "member2")}
        ids["volunteer1"] = volunteer.id
    return ids
