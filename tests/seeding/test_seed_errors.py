"""A broken seed file is reported by file, entry and problem, before anything is written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from server.seeding import SEEDS_DIR, SeedError, read_seeds


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, target)
    return target


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _error(seeds: Path) -> str:
    with pytest.raises(SeedError) as info:
        read_seeds(seeds)
    return str(info.value)


def test_missing_locale(seeds):
    _edit(seeds / "catalog.yaml", lambda d: d["services"][1]["name"].pop("zh-Hant"))
    message = _error(seeds)
    assert message.startswith("catalog.yaml: service #2 (party.member-development)")
    assert "zh-Hant" in message


def test_unknown_department(seeds):
    _edit(seeds / "catalog.yaml", lambda d: d["services"][0].update(department="nowhere"))
    assert "unknown department 'nowhere'" in _error(seeds)


def test_missing_department_key_explains_null(seeds):
    _edit(seeds / "catalog.yaml", lambda d: d["services"][0].pop("department"))
    assert "department: null" in _error(seeds)


def test_bad_field_type(seeds):
    _edit(seeds / "catalog.yaml", lambda d: d["services"][0]["fields"][0].update(type="colour"))
    message = _error(seeds)
    assert "field #1 (direction)" in message and "`type` must be one of" in message


def test_min_above_max(seeds):
    def change(d):
        booking = next(s for s in d["services"] if s["code"] == "resources.venue-booking")
        next(f for f in booking["fields"] if f["code"] == "attendees").update(min=300)

    _edit(seeds / "catalog.yaml", change)
    assert "(attendees): `max`: The maximum must not be below the minimum." in _error(seeds)


def test_duplicate_code(seeds):
    _edit(seeds / "departments.yaml", lambda d: d["departments"].append(dict(d["departments"][0])))
    assert "duplicate code 'centre'" in _error(seeds)


def test_bad_credit_code(seeds):
    _edit(seeds / "demo.yaml", lambda d: d["enterprises"][0].update(credit_code="91440305MA5F3K7W7B"))
    message = _error(seeds)
    assert message.startswith("demo.yaml: enterprise #1") and "`credit_code`: " in message and "check character" in message


def test_staff_without_department(seeds):
    _edit(seeds / "demo.yaml", lambda d: next(a for a in d["accounts"] if a["username"] == "staff1").pop("department"))
    assert "(staff1): `department`: Staff and leads belong to a department." in _error(seeds)


def test_unknown_role(seeds):
    _edit(seeds / "demo.yaml", lambda d: d["accounts"][0].update(roles=["king"]))
    assert "unknown role 'king'" in _error(seeds)


def test_invalid_yaml(seeds):
    (seeds / "buildings.yaml").write_text("buildings: [unclosed", encoding="utf-8")
    assert _error(seeds).startswith("buildings.yaml: not valid YAML")


def test_demo_file_is_optional_without_accounts(seeds):
    (seeds / "demo.yaml").write_text("password: 1\n", encoding="utf-8")
    assert read_seeds(seeds, with_accounts=False).demo is None


def test_seeds_obey_the_catalogue_rules_the_admin_pages_apply(seeds):
    """Seeding once had its own copy of the menu's rules, and a code the admin pages refuse
    (capitals, spaces) loaded from the seeds without a word."""
    _edit(seeds / "catalog.yaml", lambda d: d["services"][0].update(code="Party Dues"))
    assert "`code`: Lower-case letters, digits, . and -; 2 to 60 characters." in _error(seeds)


def test_seeds_obey_the_account_rules(seeds):
    _edit(seeds / "demo.yaml", lambda d: next(a for a in d["accounts"] if a["username"] == "contact1").pop("enterprise"))
    assert "(contact1): `enterprise`: An enterprise contact belongs to an enterprise." in _error(seeds)


def test_seeds_obey_the_building_and_department_rules(seeds):
    _edit(seeds / "buildings.yaml", lambda d: d["buildings"][0].update(floors=["1", "x" * 21]))
    assert "`floors`: A floor label has at most 20 characters." in _error(seeds)


def test_a_department_code_the_admin_pages_refuse_is_refused(seeds):
    _edit(seeds / "departments.yaml", lambda d: d["departments"][0].update(code="has space"))
    assert "`code`: A code is 1 to 40 letters, digits, dots, dashes or underscores." in _error(seeds)
