"""The pure rules of the Open311 door: datatypes, open/closed, datetimes, the 90-day window,
and locations read against the buildings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.enums import FieldType, RequestStatus
from server.models import Building
from server.open311 import rules

SHANGHAI = ZoneInfo("Asia/Shanghai")
A1 = Building(id=1, code="A1", name={"zh-Hans": "创新中心A1栋 · 综合服务楼", "en": "Tower A1 · Service Hall"},
              floors=["B1", "1", "2", "3"], address="科创大道88号")
A10 = Building(id=2, code="A10", name={"zh-Hans": "创新中心A10栋"}, floors=["1", "2"], address="")
BUILDINGS = [A1, A10]


def test_every_field_type_but_files_has_a_datatype():
    assert set(rules.DATATYPES) == set(FieldType) - {FieldType.file}
    assert set(rules.DATATYPES.values()) == {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


def test_every_state_is_open_or_closed():
    assert {s: rules.status_of(s) for s in RequestStatus} == {
        RequestStatus.submitted: "open", RequestStatus.dispatched: "open", RequestStatus.claimed: "open",
        RequestStatus.suspended: "open", RequestStatus.completed: "closed", RequestStatus.closed: "closed",
        RequestStatus.cancelled: "closed", RequestStatus.rejected: "closed",
    }
    assert rules.statuses_for([]) is None and rules.statuses_for(["open", "closed"]) is None
    assert rules.statuses_for(["closed"]) == rules.CLOSED_STATUSES
    with pytest.raises(ValueError):
        rules.statuses_for(["pending"])


def test_datetimes_carry_their_zone():
    moment = datetime(2026, 11, 26, 6, 30, tzinfo=UTC)
    assert rules.format_datetime(moment, SHANGHAI) == "2026-11-26T14:30:00+08:00"
    assert rules.format_datetime(None, SHANGHAI) is None
    assert rules.parse_datetime("2026-11-26T06:30:00Z", SHANGHAI) == moment
    assert rules.parse_datetime("2026-11-26T14:30:00", SHANGHAI) == moment  # no zone: the centre's
    assert rules.parse_datetime("2026-11-26T14:30:00 08:00", SHANGHAI) == moment  # a "+" left unencoded
    assert rules.parse_datetime("2026-11-26", SHANGHAI) == datetime(2026, 11, 26, tzinfo=SHANGHAI)
    assert rules.parse_datetime("2026-11-26", SHANGHAI, end_of_day=True) == datetime(2026, 11, 27, tzinfo=SHANGHAI)
    with pytest.raises(ValueError):
        rules.parse_datetime("last week", SHANGHAI)


def test_the_window_is_ninety_days_at_most():
    now = datetime(2026, 12, 1, tzinfo=UTC)
    day = timedelta(days=1)
    assert rules.window(None, None, now) == (now - 90 * day, now)
    assert rules.window(now - 10 * day, None, now) == (now - 10 * day, now + 80 * day)
    assert rules.window(None, now, now) == (now - 90 * day, now)
    assert rules.window(now - 90 * day, now, now) == (now - 90 * day, now)
    with pytest.raises(ValueError):
        rules.window(now - 91 * day, now, now)
    with pytest.raises(ValueError):
        rules.window(now, now - day, now)


@pytest.mark.parametrize(("text", "where"), [
    ("A1栋 3层 301室", ("A1", "3", "301")),
    ("创新中心A1栋 · 综合服务楼 3F 301", ("A1", "3", "301")),
    ("Tower A1, floor 3, room 301", ("A1", "3", "301")),
    ("A1/3/301", ("A1", "3", "301")),
    ("a1 3 301", ("A1", "3", "301")),
    ("A1 B1 12", ("A1", "B1", "12")),
    ("A10 2楼", ("A10", "2", "")),  # A1 is not found inside A10
    ("创新中心A10栋 1层", ("A10", "1", "")),
    ("科创大道88号 2层", ("A1", "2", "")),  # the street address names the building too
    ("A1", ("A1", "", "")),
])
def test_address_strings_name_building_floor_and_room(text, where):
    place = rules.parse_address(text, BUILDINGS)
    assert (place.building.code, place.floor, place.room) == where


@pytest.mark.parametrize(("text", "problem"), [
    ("Z9栋 3层", "no building"),
    ("A1栋 9层", "no floor 9"),
    ("", "empty"),
])
def test_unknown_places_are_refused(text, problem):
    with pytest.raises(rules.PlaceError) as caught:
        rules.parse_address(text, BUILDINGS)
    assert problem in str(caught.value)


def test_address_ids_round_trip():
    assert rules.address_id("A1", "3", "301") == "A1/3/301"
    assert rules.address_id("A1", "", "301") == "A1//301"
    assert rules.address_id("A1") == "A1"
    place = rules.parse_address_id("A1//301", BUILDINGS)
    assert (place.building.code, place.floor, place.room) == ("A1", "", "301")
    assert rules.parse_address_id(rules.address_id("A1", "B1", "7"), BUILDINGS).address_id == "A1/B1/7"
    with pytest.raises(rules.PlaceError):
        rules.parse_address_id("a1", BUILDINGS)  # codes exactly
