"""Clubs: joining an open club, asking to join one that needs approval, the lead's decision."""

from __future__ import annotations

import pytest

from server.clubs import repository as repo
from server.clubs import service
from server.enums import ClubJoinPolicy
from server.errors import Conflict, Forbidden, InvalidInput
from tests.activities.helpers import build, person


@pytest.fixture
def world(database):
    return build(database, members=3)


def _club(database, world, policy):
    with database.write() as session:
        return service.create(session, person(session, world, "admin"), service.ClubInput(
            name="羽毛球俱乐部", lead_id=world["member1"], join_policy=policy)).id


def test_an_open_club_takes_members_at_once_and_they_may_leave(database, world):
    club_id = _club(database, world, ClubJoinPolicy.open)
    with database.write() as session:
        assert service.join(session, person(session, world, "member2"), club_id).status == "member"
    with pytest.raises(Conflict), database.write() as session:
        service.join(session, person(session, world, "member2"), club_id)
    with database.write() as session:
        assert repo.member_count(session, club_id) == 2  # the lead and member2
        service.leave(session, person(session, world, "member2"), club_id)
        assert repo.member_count(session, club_id) == 1
    with pytest.raises(Conflict), database.write() as session:
        service.leave(session, person(session, world, "member1"), club_id)  # the lead stays


def test_a_club_with_approval_waits_for_its_lead(database, world):
    club_id = _club(database, world, ClubJoinPolicy.approval)
    with database.write() as session:
        assert service.join(session, person(session, world, "member2"), club_id).status == "pending"
        service.join(session, person(session, world, "member3"), club_id)
    with pytest.raises(Forbidden), database.write() as session:
        service.decide(session, person(session, world, "member2"), club_id, world["member3"], approve=True)
    with database.write() as session:
        service.decide(session, person(session, world, "member1"), club_id, world["member2"], approve=True)
        service.decide(session, person(session, world, "member1"), club_id, world["member3"], approve=False)
    with database.read() as session:
        assert [(m.name, m.status) for m in repo.members(session, club_id)] == [("Member1", "member"), ("Member2", "member")]


def test_only_centre_staff_create_clubs_and_names_are_unique(database, world):
    _club(database, world, ClubJoinPolicy.open)
    with pytest.raises(Forbidden), database.write() as session:
        service.create(session, person(session, world, "lead"), service.ClubInput(name="x", lead_id=world["lead"]))
    with pytest.raises(InvalidInput) as caught, database.write() as session:
        service.create(session, None, service.ClubInput(name="羽毛球俱乐部", lead_id=world["lead"]))
    assert "name" in caught.value.errors
