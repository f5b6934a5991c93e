"""How the audit trail reads to a person: a label for each audited field of each kind of
object, its values in the reader's language (是/否 for booleans, names for codes and ids, a
name in the reader's locale for the ``{locale: text}`` columns, lists joined), and the admin
page of the changed object.

Labels are the English msgids the admin forms already use, so the trail says what the form
said. A field missing from the tables shows its column name: a new column never hides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.catalog.pages.forms import FIELD_TYPE_LABELS
from server.catalog.snapshot import Catalog
from server.departments.labels import KIND_LABELS, MODE_LABELS
from server.i18n_text import N_, localized
from server.pioneer.labels import KIND_LABELS as ACTIVITY_KIND_LABELS
from server.web.labels import AUDIENCE_LABELS, ROLE_LABELS

ENTITY_LABELS = {
    "category": N_("Category"),
    "service": N_("Service"),
    "service_field": N_("Service field"),
    "building": N_("Building"),
    "department": N_("Department"),
    "enterprise": N_("Enterprise"),
    "person": N_("Person"),
    "import": N_("Import"),
    "open311_key": N_("Open311 key"),
    "room": N_("Room"),
    "webhook": N_("Webhook"),
    "volunteer_hours": N_("Volunteer hours"),
    "contribution_points": N_("Contribution points"),
    "attendance_record": N_("Attendance record"),
    "outbox_message": N_("Outgoing message"),
}

# The admin page of each kind of object, by its id.
ADMIN_PAGES = {
    "category": "/admin/catalog/categories/{id}",
    "service": "/admin/catalog/services/{id}",
    "service_field": "/admin/catalog/fields/{id}",
    "building": "/admin/buildings/{id}",
    "department": "/admin/departments/{id}",
    "enterprise": "/admin/enterprises/{id}",
    "person": "/admin/people/{id}",
    "room": "/admin/rooms/{id}",
}

_COMMON = {
    "code": N_("Code"),
    "name": N_("Name"),
    "description": N_("Description"),
    "position": N_("Position in lists"),
    "active": N_("Active"),
    "retired_at": N_("Retired"),
    "created_at": N_("Created"),
}
FIELD_LABELS: dict[str, dict[str, str]] = {
    "category": _COMMON,
    "service": {
        **_COMMON,
        "category_id": N_("Category"),
        "audience": N_("Who may order it"),
        "department_id": N_("Department"),
        "claim_limit_hours": N_("Claim limit (working hours)"),
        "complete_limit_days": N_("Completion limit (working days)"),
        "allow_attachments": N_("Attachments allowed"),
    },
    "service_field": {
        **_COMMON,
        "service_id": N_("Service"),
        "type": N_("Type"),
        "label": N_("Label"),
        "help": N_("Help text"),
        "required": N_("Required"),
        "choices": N_("Choices (single and multiple choice)"),
        "min_value": N_("Minimum (numbers)"),
        "max_value": N_("Maximum (numbers)"),
        "max_length": N_("Maximum length (texts)"),
    },
    "building": {**_COMMON, "address": N_("Address"), "floors": N_("Floors")},
    "department": {
        **_COMMON,
        "kind": N_("Kind"),
        "assignment_mode": N_("How tasks reach people"),
        "workday_periods": N_("Office hours"),
        "last_assignee_id": N_("Last given a task"),
    },
    "enterprise": {
        **_COMMON,
        "credit_code": N_("Unified social credit code"),
        "building_id": N_("Building"),
        "floor": N_("Floor"),
    },
    "person": {
        **_COMMON,
        "username": N_("Username"),
        "display_name": N_("Name"),
        "phone": N_("Phone"),
        "email": N_("E-mail"),
        "must_change_password": N_("Must change password"),
        "enterprise_id": N_("Enterprise"),
        "department_id": N_("Department"),
        "locale": N_("Language"),
        "roles": N_("Roles"),
        "is_party_member": N_("Party member"),
        "party_branch": N_("Party branch"),
    },
    "room": {
        **_COMMON,
        "building_id": N_("Building"),
        "floor": N_("Floor"),
        "capacity": N_("Capacity"),
        "equipment": N_("Equipment"),
        "opening_hours": N_("Opening hours"),
        "keeps_office_hours": N_("Keeps office hours"),
        "needs_approval": N_("Bookings need approval"),
    },
    "webhook": {
        **_COMMON,
        "url": N_("Address"),
        "format": N_("Format"),
        "department_id": N_("Department"),
        "event_types": N_("Events"),
        "created_by": N_("Created by"),
    },
    "volunteer_hours": {
        "person_id": N_("Party member"),
        "day": N_("Day"),
        "tenths": N_("Hours"),
        "what": N_("What was done"),
        "recorded_by_id": N_("Recorded by"),
        "recorded_at": N_("Recorded"),
    },
    "contribution_points": {
        "person_id": N_("Party member"),
        "day": N_("Day"),
        "points": N_("Points"),
        "reason": N_("Reason"),
        "recorded_by_id": N_("Recorded by"),
        "recorded_at": N_("Recorded"),
    },
    "attendance_record": {
        **_COMMON,
        "kind": N_("Kind"),
        "day": N_("Day"),
        "speaker_id": N_("Speaker"),
        "speaker_rating_tenths": N_("Speaker's rating"),
        "attendee_ids": N_("Attendees"),
        "recorded_by_id": N_("Recorded by"),
        "recorded_at": N_("Recorded"),
    },
    "outbox_message": {
        "message_id": N_("Message id"),
        "channel": N_("Channel"),
        "event_type": N_("Event"),
        "status": N_("Status"),
        "attempts": N_("Attempts"),
    },
    "import": {
        "kind": N_("What the file holds"),
        "create": N_("Added"),
        "update": N_("Updated"),
        "unchanged": N_("Unchanged"),
        "error": N_("Rows with errors"),
    },
}
# Codes whose words live elsewhere, by field name.
CODE_LABELS: dict[str, Mapping[str, str]] = {
    "audience": AUDIENCE_LABELS,
    # A department's kind and an activity's: their codes differ.
    "kind": {**KIND_LABELS, **ACTIVITY_KIND_LABELS},
    "assignment_mode": MODE_LABELS,
    "type": FIELD_TYPE_LABELS,
    "roles": ROLE_LABELS,
}
LANGUAGE_NAMES = {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}
YES, NO = N_("Yes"), N_("No")


# The catalogue snapshot's table of each kind of object (the rest are looked up).
CATALOG_TABLES = {
    "category": "categories", "service": "services", "department": "departments",
    "building": "buildings", "enterprise": "enterprises",
}
_ID_FIELDS = {
    "category_id": "categories", "service_id": "services", "department_id": "departments",
    "building_id": "buildings", "enterprise_id": "enterprises",
}


# Fields that hold a person's id (or a list of them): shown by the person's name.
PERSON_FIELDS = {"last_assignee_id", "person_id", "recorded_by_id", "speaker_id", "attendee_ids"}


def people_named(entries) -> set[int]:
    """The ids of the people a page of the trail names in its before and after values."""
    ids: set[int] = set()
    for entry in entries:
        for values in (entry.before or {}, entry.after or {}):
            for field in PERSON_FIELDS & values.keys():
                value = values[field]
                ids.update(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, int))
    return ids


@dataclass(frozen=True)
class Names:
    """What ids on one page of the trail are called: the catalogue snapshot's rows (retired
    ones too), and the people the page names."""

    catalog: Catalog
    people: Mapping[int, str]

    def of(self, field: str, value: int) -> str | dict | None:
        if field in PERSON_FIELDS:
            return self.people.get(value)
        table = _ID_FIELDS.get(field)
        row = getattr(self.catalog, table).get(value) if table else None
        return None if row is None else row.name

    def exists(self, entity: str, entity_id: int) -> bool | None:
        """Whether a catalogue object still exists (None: not one the catalogue holds)."""
        table = CATALOG_TABLES.get(entity)
        return None if table is None else entity_id in getattr(self.catalog, table)


def field_label(entity: str, field: str, gettext: Callable[[str], str]) -> str:
    label = FIELD_LABELS.get(entity, {}).get(field)
    return gettext(label) if label else field


def shown(field: str, value: Any, *, names: Names, locale: str, gettext: Callable[[str], str],
          format_datetime: Callable[[datetime], str]) -> str | None:
    """One stored value as the reader reads it; None for nothing (the page shows —)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return gettext(YES if value else NO)
    if field.endswith("tenths") and isinstance(value, int):  # stored in tenths: 15 is 1.5
        return f"{value / 10:g}"
    if (field.endswith("_id") or field in PERSON_FIELDS) and isinstance(value, int):
        name = names.of(field, value)
        return (localized(name, locale) if isinstance(name, dict) else name) or f"#{value}"
    if field in CODE_LABELS and isinstance(value, str):
        label = CODE_LABELS[field].get(value)
        return gettext(label) if label else value
    if field == "locale" and isinstance(value, str):
        return LANGUAGE_NAMES.get(value, value)
    if field.endswith("_at") and isinstance(value, str):
        try:
            return format_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, dict):
        if "value" in value or "label" in value:  # a field's choice
            return choice_text(value, locale) or None
        return localized(value, locale) or None
    if isinstance(value, list):
        parts = [shown(field, item, names=names, locale=locale, gettext=gettext, format_datetime=format_datetime)
                 for item in value]
        return _join([p for p in parts if p], locale) or None
    return str(value)


def _join(parts: list[str], locale: str) -> str:
    return (", " if locale == "en" else "、").join(parts)


def choice_text(value: dict, locale: str) -> str:
    """A choice of a service field ({value, label}) by its label."""
    return localized(value.get("label"), locale) or str(value.get("value", ""))


def object_href(entity: str, entity_id: int) -> str | None:
    """The admin page of an object of this kind (the caller knows it still exists)."""
    pattern = ADMIN_PAGES.get(entity)
    return None if pattern is None else pattern.format(id=entity_id)
