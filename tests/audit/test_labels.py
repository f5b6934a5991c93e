"""Every kind of object the trail records has a name, and every field of its snapshot a label,
in the reader's language — a field shown by its column name (``tenths``, ``what``) is a bug."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import inspect

from server import models
from server.audit import labels

SERVER = Path(__file__).resolve().parents[2] / "server"
MODELS = {
    "category": models.Category, "service": models.Service, "service_field": models.ServiceField,
    "building": models.Building, "department": models.Department, "enterprise": models.Enterprise,
    "person": models.Person, "room": models.Room, "webhook": models.Webhook,
    "volunteer_hours": models.VolunteerHours, "contribution_points": models.ContributionPoints,
    "attendance_record": models.AttendanceRecord,
}
# Not shown as a change: the row's own id, secrets (never in a snapshot), bookkeeping.
UNSHOWN = {"id", "password_hash", "secret", "revision"}


def _audited_entities() -> set[str]:
    found: set[str] = set()
    for path in SERVER.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found.update(re.findall(r'\bENTITY = "([a-z_0-9]+)"', text))
        found.update(re.findall(r'\bentity="([a-z_0-9]+)"', text))
        for block in re.findall(r"\bENTITIES = \{([^}]*)\}", text):
            found.update(re.findall(r':\s*"([a-z_0-9]+)"', block))
    return found


def test_every_audited_kind_has_a_name():
    audited = _audited_entities()
    assert {"room", "volunteer_hours", "person"} <= audited  # the scan finds them
    assert sorted(audited - labels.ENTITY_LABELS.keys()) == []


@pytest.mark.parametrize("entity", sorted(MODELS))
def test_every_field_of_a_snapshot_has_a_label(entity):
    columns = {c.key for c in inspect(MODELS[entity]).column_attrs} - UNSHOWN
    assert sorted(columns - labels.FIELD_LABELS[entity].keys()) == []


def test_hours_in_tenths_and_people_read_as_people():
    names = labels.Names(catalog=None, people={7: "王芳"})  # type: ignore[arg-type]
    shown = lambda field, value: labels.shown(field, value, names=names, locale="zh-Hans",  # noqa: E731
                                              gettext=lambda s: s, format_datetime=str)
    assert shown("tenths", 15) == "1.5" and shown("speaker_rating_tenths", 45) == "4.5"
    assert shown("recorded_by_id", 7) == "王芳" and shown("attendee_ids", [7, 8]) == "王芳、#8"
    assert shown("kind", "micro_lecture") == "Micro-lecture" and shown("kind", "mass_organisation") != "mass_organisation"
