"""The shipped seed files themselves: complete, trilingual, consistent. No database."""

from __future__ import annotations

from collections import Counter

import yaml

from server.enterprises.credit_code import is_valid_credit_code
from server.enums import AssignmentMode, FieldType, Role
from server.i18n_text import LOCALES
from server.seeding import SEEDS_DIR, read_seeds
from server.worktime import CalendarOverrides

SEEDS = read_seeds(SEEDS_DIR)


def test_eight_buildings_with_floors():
    assert [b.code for b in SEEDS.buildings] == [f"A{n}" for n in range(1, 9)]
    assert all(b.floors and set(b.name) == set(LOCALES) for b in SEEDS.buildings)


def test_menu_has_five_categories_and_at_least_twenty_services_in_each_language():
    assert [c.code for c in SEEDS.categories] == ["party", "government", "mass", "social", "resources"]
    assert len(SEEDS.services) >= 20
    per_category = Counter(s.category for s in SEEDS.services)
    assert set(per_category) == {c.code for c in SEEDS.categories}
    assert min(per_category.values()) >= 3
    for service in SEEDS.services:
        for texts in (service.name, service.description):
            assert set(texts) == set(LOCALES) and all(texts.values()), service.code
        for f in service.fields:
            assert set(f.label) == set(LOCALES), (service.code, f.code)


def test_traditional_names_are_converted_not_copied():
    # Most Simplified names contain a character that differs in Traditional.
    differing = [s for s in SEEDS.services if s.name["zh-Hans"] != s.name["zh-Hant"]]
    assert len(differing) >= len(SEEDS.services) * 0.8


def test_fields_are_well_formed():
    for service in SEEDS.services:
        for f in service.fields:
            if f.type in (FieldType.single_choice, FieldType.multiple_choice):
                assert len(f.choices) >= 2
                assert all(set(c["label"]) == set(LOCALES) for c in f.choices)
            else:
                assert f.choices == []
            if f.min_value is not None and f.max_value is not None:
                assert f.min_value <= f.max_value


def test_venue_booking_form():
    booking = next(s for s in SEEDS.services if s.code == "resources.venue-booking")
    fields = {f.code: f for f in booking.fields}
    assert fields["date"].type == FieldType.date and fields["date"].required
    assert fields["slot"].type == FieldType.single_choice
    assert (fields["attendees"].min_value, fields["attendees"].max_value) == (1, 200)
    assert fields["equipment"].type == FieldType.multiple_choice


def test_routing_variety():
    assert sum(s.department is None for s in SEEDS.services) >= 3
    modes = Counter(d.assignment_mode for d in SEEDS.departments)
    assert modes[AssignmentMode.round_robin] >= 1 and modes[AssignmentMode.least_loaded] >= 1
    assert {d.kind.value for d in SEEDS.departments} == {
        "government",
        "mass_organisation",
        "social_organisation",
        "service_centre",
    }


def test_demo_enterprises_have_valid_credit_codes():
    assert len(SEEDS.demo.enterprises) >= 6
    assert all(is_valid_credit_code(e.credit_code) for e in SEEDS.demo.enterprises)


def test_demo_accounts():
    accounts = {a.username: a for a in SEEDS.demo.accounts}
    assert accounts["member1"].enterprise != accounts["member2"].enterprise
    assert accounts["contact1"].enterprise == accounts["member1"].enterprise
    assert accounts["contact2"].enterprise == accounts["member2"].enterprise
    assert accounts["staff1"].department == accounts["staff2"].department == accounts["lead1"].department
    assert accounts["staff3"].department != accounts["staff1"].department
    assert accounts["lead1"].roles == {Role.lead, Role.staff}
    for username, role in [("dispatcher1", Role.dispatcher), ("supervisor1", Role.supervisor), ("admin1", Role.admin)]:
        assert role in accounts[username].roles
    staffed = {a.department for a in SEEDS.demo.accounts if Role.staff in a.roles}
    assert staffed == {d.code for d in SEEDS.departments}
    departments = {d.code: d for d in SEEDS.departments}
    assert departments[accounts["staff1"].department].assignment_mode == AssignmentMode.open_queue
    # staff1's department serves many of the common services.
    served = Counter(s.department for s in SEEDS.services)
    assert served[accounts["staff1"].department] == max(served[d] for d in departments)


def test_calendar_file_is_loadable_and_empty():
    raw = yaml.safe_load((SEEDS_DIR / "calendar.yaml").read_text(encoding="utf-8"))
    assert raw == {"holidays": [], "workdays": []}
    assert CalendarOverrides.load(SEEDS_DIR / "calendar.yaml") == CalendarOverrides()


def test_no_form_asks_the_same_thing_twice():
    """Every order form already has the free-text description (需求描述) and, when the service
    allows it, an upload box: a service's own long text or file field would ask again."""
    twice = []
    for service in SEEDS.services:
        types = [f.type for f in service.fields]
        if FieldType.long_text in types:
            twice.append((service.code, "a second free text"))
        if FieldType.file in types and service.allow_attachments:
            twice.append((service.code, "a second upload box"))
    assert twice == []
