"""The rules a category, service or field must meet, as pure functions that collect
per-field messages (English msgids for the pages' catalogues). No database here: the service
(server/catalog/service.py) adds the checks that need one (unique codes, references).

The one set of rules for the menu: the admin pages and the API (through the service), the
menu's YAML files (server/catalog/file_format.py: seeds/catalog.yaml, `lianxin import
catalog`) all check :func:`check_category`, :func:`check_service` and :func:`check_field`, so
whatever an admin can save can be exported and imported again, and the seeds obey them too."""

from __future__ import annotations

import re
from typing import Any

from server.enums import Audience, FieldType
from server.errors import Msg
from server.i18n_text import DEFAULT_LOCALE, LOCALES

CODE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,59}$")
# Field codes become form names (answers.<code>) and YAML keys: keep them plain.
FIELD_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
CATEGORY_CODE_MAX = 40
FIELD_CODE_MAX = 40
NAME_MAX = 100
DESCRIPTION_MAX = 2000
HELP_MAX = 500
# Sane bounds: a month of working hours to claim, a working year to complete.
CLAIM_HOURS = (1, 200)
COMPLETE_DAYS = (1, 250)
MAX_LENGTH = (1, 5000)
MAX_CHOICES = 50

CHOICE_TYPES = frozenset({FieldType.single_choice, FieldType.multiple_choice})
NUMBER_LIMIT_TYPES = frozenset({FieldType.number})
LENGTH_LIMIT_TYPES = frozenset({FieldType.text, FieldType.long_text})

Errors = dict[str, str]


def check_category(errors: Errors, *, code: str, name: dict | None, description: dict | None) -> dict[str, Any]:
    """A category's cleaned values; problems go into ``errors`` by field."""
    return {
        "code": check_code(errors, "code", code, longest=CATEGORY_CODE_MAX),
        "name": texts(errors, "name", name, required=True, longest=NAME_MAX),
        "description": texts(errors, "description", description, required=False, longest=DESCRIPTION_MAX),
    }


def check_service(errors: Errors, *, code: str, name: dict | None, description: dict | None, audience: Any,
                  claim_limit_hours: Any, complete_limit_days: Any) -> dict[str, Any]:
    """A service's own cleaned values (its category and department are checked by who knows them)."""
    return {
        "code": check_code(errors, "code", code),
        "name": texts(errors, "name", name, required=True, longest=NAME_MAX),
        "description": texts(errors, "description", description, required=False, longest=DESCRIPTION_MAX),
        "audience": check_audience(errors, "audience", audience),
        "claim_limit_hours": whole(errors, "claim_limit_hours", claim_limit_hours, CLAIM_HOURS),
        "complete_limit_days": whole(errors, "complete_limit_days", complete_limit_days, COMPLETE_DAYS),
    }


def check_field(errors: Errors, *, code: str, type: Any, label: dict | None, help: dict | None, required: bool,
                choices: list[dict] | None, min_value: Any, max_value: Any, max_length: Any) -> dict[str, Any]:
    """A form field's cleaned values (its code unique within the service is the service's check)."""
    kind = field_type(errors, "type", type)
    low, high, length = limits(errors, kind, min_value, max_value, max_length)
    return {
        "code": check_code(errors, "code", code, longest=FIELD_CODE_MAX, field=True),
        "type": kind,
        "label": texts(errors, "label", label, required=True, longest=NAME_MAX),
        "help": texts(errors, "help", help, required=False, longest=HELP_MAX),
        "required": bool(required),
        "choices": check_choices(errors, "choices", kind, choices),
        "min_value": low,
        "max_value": high,
        "max_length": length,
    }


def check_code(errors: Errors, key: str, value: str, *, longest: int = 60, field: bool = False) -> str:
    value = (value or "").strip()
    pattern = FIELD_CODE if field else CODE
    if not value:
        errors[key] = "Required."
    elif len(value) > longest or not pattern.match(value):
        errors[key] = (
            Msg("Lower-case letters, digits and _; starting with a letter; at most {n} characters.", n=longest)
            if field
            else Msg("Lower-case letters, digits, . and -; 2 to {n} characters.", n=longest)
        )
    return value


def texts(errors: Errors, key: str, value: dict[str, Any] | None, *, required: bool, longest: int) -> dict[str, str]:
    """A ``{locale: text}`` map: Simplified Chinese required when ``required``; the other
    languages may stay empty (they fall back to Simplified Chinese)."""
    value = value or {}
    unknown = set(value) - set(LOCALES)
    clean = {loc: str(value.get(loc) or "").strip() for loc in LOCALES}
    clean = {loc: text for loc, text in clean.items() if text}
    if unknown:
        errors[key] = Msg("Unknown language(s): {names}.", names=", ".join(sorted(map(str, unknown))))
    if required and DEFAULT_LOCALE not in clean:
        errors[f"{key}.{DEFAULT_LOCALE}"] = "Required in Simplified Chinese."
    for loc, text in clean.items():
        if len(text) > longest:
            errors[f"{key}.{loc}"] = Msg("At most {limit} characters.", limit=longest)
    return clean


def whole(errors: Errors, key: str, value: Any, bounds: tuple[int, int], *, required: bool = True) -> int | None:
    """A whole number within ``bounds`` from a form string or a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[key] = "Required."
        return None
    try:
        if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
            raise ValueError
        number = int(value.strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        errors[key] = Msg("A whole number from {low} to {high}.", low=bounds[0], high=bounds[1])
        return None
    if not bounds[0] <= number <= bounds[1]:
        errors[key] = Msg("A whole number from {low} to {high}.", low=bounds[0], high=bounds[1])
        return None
    return number


def decimal(errors: Errors, key: str, value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value.strip()) if isinstance(value, str) else float(value)
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError
    except (TypeError, ValueError):
        errors[key] = "Please enter a number."
        return None
    return number


def check_audience(errors: Errors, key: str, value: Any) -> Audience:
    try:
        return Audience(value)
    except ValueError:
        errors[key] = "Please choose who may order it."
        return Audience.both


def field_type(errors: Errors, key: str, value: Any) -> FieldType:
    try:
        return FieldType(value)
    except ValueError:
        errors[key] = "Please choose a type."
        return FieldType.text


def check_choices(errors: Errors, key: str, kind: FieldType, value: list[dict] | None) -> list[dict]:
    """``[{"value", "label": {locale: text}}]`` for choice fields: two or more, unique values,
    each with a Simplified Chinese label. Other types take none."""
    value = value or []
    if kind not in CHOICE_TYPES:
        if value:
            errors[key] = "Only choice fields have choices."
        return []
    clean, seen = [], set()
    for number, choice in enumerate(value, 1):
        raw = str(choice.get("value") or "").strip()
        labels = {loc: str(t).strip() for loc, t in (choice.get("label") or {}).items() if loc in LOCALES and str(t or "").strip()}
        if not raw or DEFAULT_LOCALE not in labels:
            errors[key] = Msg("Choice {n}: needs a value and a Simplified Chinese label.", n=number)
            return clean
        if raw in seen:
            errors[key] = Msg("Choice {n}: the value {value} is used twice.", n=number, value=raw)
            return clean
        seen.add(raw)
        clean.append({"value": raw, "label": labels})
    if len(clean) < 2:
        errors[key] = "A choice field needs at least two choices."
    elif len(clean) > MAX_CHOICES:
        errors[key] = Msg("At most {limit} choices.", limit=MAX_CHOICES)
    return clean


def limits(errors: Errors, kind: FieldType, min_raw: Any, max_raw: Any, length_raw: Any) -> tuple[float | None, float | None, int | None]:
    """min/max belong to number fields, max length to text fields; min ≤ max."""
    low, high = decimal(errors, "min_value", min_raw), decimal(errors, "max_value", max_raw)
    length = whole(errors, "max_length", length_raw, MAX_LENGTH, required=False)
    if (low is not None or high is not None) and kind not in NUMBER_LIMIT_TYPES:
        errors["min_value"] = "Only number fields have a minimum and a maximum."
    elif low is not None and high is not None and low > high:
        errors["max_value"] = "The maximum must not be below the minimum."
    if length is not None and kind not in LENGTH_LIMIT_TYPES:
        errors["max_length"] = "Only text fields have a maximum length."
    return low, high, length
