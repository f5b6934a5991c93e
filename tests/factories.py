"""Plain helpers that build a small world for service and API tests, through the real
services where one exists (accounts), directly with models for the menu."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from server.accounts import people
from server.accounts.passwords import hash_password
from server.db import Database
from server.enums import AssignmentMode, Audience, DepartmentKind, FieldType, Role
from server.models import Building, Category, Department, Enterprise, Person, Service, ServiceField

PASSWORD = "test-pass-1"


def create_department(session: Session, code: str, *, mode: AssignmentMode = AssignmentMode.open_queue) -> Department:
    department = Department(
        code=code, name={"zh-Hans": f"{code}部", "en": f"{code} dept"}, kind=DepartmentKind.mass_organisation,
        assignment_mode=mode,
    )
    session.add(department)
    session.flush()
    return department


def create_service(
    session: Session,
    code: str,
    category: Category,
    department: Department | None,
    *,
    audience: Audience = Audience.both,
    fields: list[ServiceField] | None = None,
    claim_hours: int = 4,
    complete_days: int = 5,
) -> Service:
    service = Service(
        code=code, category_id=category.id, name={"zh-Hans": f"服务{code}", "en": f"Service {code}"},
        audience=audience, department_id=department.id if department else None,
        claim_limit_hours=claim_hours, complete_limit_days=complete_days, fields=fields or [],
    )
    session.add(service)
    session.flush()
    return service


def create_person(session: Session, username: str, *roles: Role, department: Department | None = None,
                  enterprise: Enterprise | None = None) -> Person:
    data = people.PersonInput(
        username=username, display_name=username.title(), roles=set(roles), phone="13800138000",
        department_id=department.id if department else None, enterprise_id=enterprise.id if enterprise else None,
    )
    return people.add(session, data, password_hash=hash_password(PASSWORD))


@dataclass
class World:
    """Ids and names of a small community: read them, then load objects in your own session."""

    people: dict[str, Person] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)

    def __getitem__(self, username: str) -> Person:
        return self.people[username]


def build_world(database: Database) -> World:
    """Departments: ``union`` (open queue: staff1, staff2, lead1), ``legal`` (round-robin:
    staff3, staff4), ``care`` (least-loaded: staff5, staff6). Services: ``union.join``
    (routed to union, with a required number field and a choice field), ``legal.aid``
    (routed to legal), ``care.visit`` (routed to care), ``misc.other`` (dispatcher decides),
    ``ent.only`` (enterprises only). People: member1/contact1 of enterprise E1, member2/
    contact2 of E2, dispatcher1, supervisor1, admin1."""
    world = World()
    with database.write() as session:
        building = Building(code="A1", name={"zh-Hans": "A1栋"}, floors=["B1", "1", "2", "3"])
        session.add(building)
        session.flush()
        e1 = Enterprise(name="一号企业", building_id=building.id, floor="2")
        e2 = Enterprise(name="二号企业", building_id=building.id, floor="3")
        session.add_all([e1, e2])
        category = Category(code="mass", name={"zh-Hans": "群团服务", "en": "Mass"})
        session.add(category)
        session.flush()
        union = create_department(session, "union")
        legal = create_department(session, "legal", mode=AssignmentMode.round_robin)
        care = create_department(session, "care", mode=AssignmentMode.least_loaded)
        world.departments = {"union": union, "legal": legal, "care": care}
        world.services["union.join"] = create_service(
            session, "union.join", category, union,
            fields=[
                ServiceField(code="people", type=FieldType.number, label={"zh-Hans": "人数", "en": "People"},
                             required=True, min_value=1, max_value=50, position=1),
                ServiceField(code="kind", type=FieldType.single_choice, label={"zh-Hans": "类型", "en": "Kind"},
                             choices=[{"value": "new", "label": {"zh-Hans": "新入会", "en": "New"}},
                                      {"value": "move", "label": {"zh-Hans": "转入", "en": "Transfer in"}}],
                             position=2),
            ],
        )
        world.services["legal.aid"] = create_service(session, "legal.aid", category, legal)
        world.services["care.visit"] = create_service(session, "care.visit", category, care)
        world.services["misc.other"] = create_service(session, "misc.other", category, None)
        world.services["ent.only"] = create_service(session, "ent.only", category, union, audience=Audience.enterprises)
        people = [
            ("member1", (Role.member,), None, e1),
            ("member2", (Role.member,), None, e2),
            ("contact1", (Role.contact, Role.member), None, e1),
            ("contact2", (Role.contact,), None, e2),
            ("staff1", (Role.staff,), union, None),
            ("staff2", (Role.staff,), union, None),
            ("lead1", (Role.lead, Role.staff), union, None),
            ("staff3", (Role.staff,), legal, None),
            ("staff4", (Role.staff,), legal, None),
            ("staff5", (Role.staff,), care, None),
            ("staff6", (Role.staff,), care, None),
            ("dispatcher1", (Role.dispatcher,), None, None),
            ("supervisor1", (Role.supervisor,), None, None),
            ("admin1", (Role.admin,), None, None),
        ]
        for username, roles, department, enterprise in people:
            world.people[username] = create_person(session, username, *roles, department=department, enterprise=enterprise)
    return world
