"""Enterprises (credit codes checked by their check character, unique; building and floor
must exist) and buildings (floors, deletion refused while referenced)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.buildings import service as building_service
from server.buildings.service import BuildingInput
from server.catalog import snapshot
from server.enterprises import service as enterprise_service
from server.enterprises.credit_code import make_credit_code
from server.enterprises.service import EnterpriseInput
from server.errors import Conflict, InvalidInput
from server.models import AuditEntry, Building, Enterprise

GOOD_CODE = make_credit_code("440305", "MA5F3K7W")


def _building_id(database) -> int:
    with database.read() as session:
        return session.scalar(select(Building.id).where(Building.code == "A1"))


def test_create_with_a_valid_code(database, admin, world):
    building_id = _building_id(database)
    with database.write() as session:
        enterprise = enterprise_service.create(session, admin, EnterpriseInput(
            name="三号企业", credit_code=GOOD_CODE.lower(), building_id=building_id, floor="B1"))
        assert enterprise.credit_code == GOOD_CODE
    with database.read() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.entity == "enterprise"))
        assert entry.after["credit_code"] == GOOD_CODE


def test_credit_code_with_a_wrong_check_digit(database, admin, world):
    wrong = GOOD_CODE[:17] + ("0" if GOOD_CODE[17] != "0" else "1")
    with database.write() as session, pytest.raises(InvalidInput) as caught:
        enterprise_service.create(session, admin, EnterpriseInput(name="三号企业", credit_code=wrong))
    assert "check character" in caught.value.errors["credit_code"]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"name": ""}, "name"),
    ({"name": "一号企业"}, "name"),
    ({"credit_code": "123"}, "credit_code"),
    ({"floor": "99", "building": True}, "floor"),
    ({"floor": "2"}, "building_id"),
    ({"building_id": 9999}, "building_id"),
])
def test_invalid_input_names_the_field(database, admin, world, overrides, field):
    if overrides.pop("building", False):
        overrides["building_id"] = _building_id(database)
    values = {"name": "三号企业", **overrides}
    with database.write() as session, pytest.raises(InvalidInput) as caught:
        enterprise_service.create(session, admin, EnterpriseInput(**values))
    assert field in caught.value.errors


def test_credit_code_is_unique(database, admin, world):
    with database.write() as session:
        enterprise_service.create(session, admin, EnterpriseInput(name="三号企业", credit_code=GOOD_CODE))
        with pytest.raises(InvalidInput) as caught:
            enterprise_service.create(session, admin, EnterpriseInput(name="四号企业", credit_code=GOOD_CODE))
        assert "credit_code" in caught.value.errors


def test_delete_enterprise_refused_with_referrers(database, admin, world):
    with database.write() as session:
        enterprise = session.scalar(select(Enterprise).where(Enterprise.name == "一号企业"))
        with pytest.raises(Conflict) as caught:
            enterprise_service.delete(session, admin, enterprise)
        assert "2 people" in caught.value.detail and "Deactivate" in caught.value.detail
        enterprise_service.set_active(session, admin, enterprise, False)
        assert not enterprise.active


def test_delete_enterprise_without_referrers(database, admin, world):
    with database.write() as session:
        enterprise = enterprise_service.create(session, admin, EnterpriseInput(name="三号企业"))
        enterprise_service.delete(session, admin, enterprise)
        assert session.scalar(select(Enterprise).where(Enterprise.name == "三号企业")) is None


def test_building_create_update_and_catalogue(database, admin):
    with database.write() as session:
        building = building_service.create(session, admin, BuildingInput(
            code="B9", name={"zh-Hans": "B9栋"}, floors=building_service.parse_floors("B1，1、2 3")))
        assert building.floors == ["B1", "1", "2", "3"]
    with database.read() as session:
        assert snapshot.load(session).building("B9").floors == ["B1", "1", "2", "3"]
    with database.write() as session:
        building = session.get(Building, building.id)
        building_service.update(session, admin, building, BuildingInput(code="B9", name={"zh-Hans": "B9栋"},
                                                                         floors=["1", "2"]))
    with database.read() as session:
        assert snapshot.load(session).building("B9").floors == ["1", "2"]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"code": ""}, "code"),
    ({"code": "A1"}, "code"),
    ({"name": {}}, "name.zh-Hans"),
    ({"floors": []}, "floors"),
    ({"floors": ["1", "1"]}, "floors"),
])
def test_building_invalid_input(database, admin, world, overrides, field):
    values = {"code": "B9", "name": {"zh-Hans": "B9栋"}, "floors": ["1"], **overrides}
    with database.write() as session, pytest.raises(InvalidInput) as caught:
        building_service.create(session, admin, BuildingInput(**values))
    assert field in caught.value.errors


def test_building_floor_in_use_cannot_be_removed(database, admin, world):
    with database.write() as session:
        building = session.scalar(select(Building).where(Building.code == "A1"))
        with pytest.raises(InvalidInput) as caught:
            building_service.update(session, admin, building, BuildingInput(code="A1", name=building.name,
                                                                             floors=["B1", "1"]))
        assert "floors" in caught.value.errors


def test_delete_building_refused_with_referrers(database, admin, world):
    with database.write() as session:
        building = session.scalar(select(Building).where(Building.code == "A1"))
        with pytest.raises(Conflict) as caught:
            building_service.delete(session, admin, building)
        assert "2 enterprises" in caught.value.detail
        building_service.set_active(session, admin, building, False)
