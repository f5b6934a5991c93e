"""Building blocks for the programme's tests: a small world (a department with its lead, a
club with its lead, members), and activities made through the real service."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from server.activities import service
from server.activities.rules import ActivityFields
from server.db import Database
from server.enums import ActivityAudience, ActivityKind, ClubJoinPolicy, Role
from server.models import Club, ClubMember, Enterprise, Person
from tests.factories import create_department, create_person

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


@dataclass
class Programme:
    ids: dict[str, int] = field(default_factory=dict)
    department_id: int = 0
    club_id: int = 0

    def __getitem__(self, name: str) -> int:
        return self.ids[name]


def build(database: Database, *, members: int = 3) -> Programme:
    """People: ``admin``, ``dispatcher``, ``lead`` (lead of department ``union``), ``staff``
    (staff there), ``clublead`` (member, leads the club ``choir``), ``member1``… ``memberN``,
    ``contact`` (enterprise contact only)."""
    world = Programme()
    with database.write() as session:
        union = create_department(session, "union")
        enterprise = Enterprise(name="一号企业")
        session.add(enterprise)
        session.flush()
        world.department_id = union.id
        people = [("admin", (Role.admin,), None), ("dispatcher", (Role.dispatcher,), None),
                  ("lead", (Role.lead, Role.staff), union), ("staff", (Role.staff,), union),
                  ("clublead", (Role.member,), None), ("contact", (Role.contact,), None)]
        people += [(f"member{i}", (Role.member,), None) for i in range(1, members + 1)]
        for username, roles, department in people:
            world.ids[username] = create_person(session, username, *roles, department=department,
                                                enterprise=enterprise if Role.contact in roles else None).id
        club = Club(name="合唱团", lead_id=world.ids["clublead"], join_policy=ClubJoinPolicy.open)
        session.add(club)
        session.flush()
        session.add(ClubMember(club_id=club.id, person_id=world.ids["clublead"], status="member", joined_at=NOW))
        world.club_id = club.id
    return world


def fields(world: Programme, **overrides) -> ActivityFields:
    starts = overrides.pop("starts_at", NOW + timedelta(days=7))
    values = dict(
        title="主题党日：学习二十大精神", kind=ActivityKind.theme_day, starts_at=starts,
        ends_at=overrides.pop("ends_at", starts + timedelta(hours=2)), place="A1栋 3楼 党群活动室",
        capacity=40, audience=ActivityAudience.members, organiser_department_id=world.department_id,
    )
    values.update(overrides)
    return ActivityFields(**values)


def make_activity(database: Database, world: Programme, by: str = "lead", *, now: datetime = NOW, **overrides) -> int:
    with database.write() as session:
        person = session.get(Person, world[by])
        return service.create(session, person, fields(world, **overrides), now=now).id


def person(session, world: Programme, name: str) -> Person:
    return session.get(Person, world[name])
