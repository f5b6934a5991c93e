"""Checks a requester's answers against a service's own fields and snapshots them.

The snapshot keeps each field's type, labels and choice labels as they were when the request
was filed, so a later edit of the menu never changes what an old request shows."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from server.enums import FieldType
from server.errors import Msg
from server.models import ServiceField

MAX_TEXT = 500
MAX_LONG_TEXT = 5000


def validate_answers(
    fields: list[ServiceField], raw: dict[str, Any], file_counts: dict[str, int] | None = None
) -> tuple[list[dict], dict[str, str]]:
    """Returns (snapshot, errors). ``errors`` maps ``answers.<code>`` to a :class:`Msg`.

    ``file_counts`` tells how many files were uploaded for each file field (the web form);
    the JSON API sends none."""
    file_counts = file_counts or {}
    snapshot: list[dict] = []
    errors: dict[str, str] = {}
    known = {f.code for f in fields}
    for code in raw:
        if code not in known:
            errors[f"answers.{code}"] = "This service has no such field."
    for field in fields:
        key = f"answers.{field.code}"
        if field.type == FieldType.file:
            count = file_counts.get(field.code, 0)
            if field.required and count == 0:
                errors[key] = "Please attach a file."
            snapshot.append(_snap(field, count or None))
            continue
        value = raw.get(field.code)
        if _is_blank(value):
            if field.required:
                errors[key] = "This field is required."
            snapshot.append(_snap(field, None))
            continue
        try:
            clean = _clean(field, value)
        except ValueError as exc:
            message = exc.args[0]
            errors[key] = message if isinstance(message, Msg) else Msg(str(message))
            continue
        snapshot.append(_snap(field, clean))
    return snapshot, errors


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _clean(field: ServiceField, value: Any) -> Any:
    kind = FieldType(field.type)
    if kind in (FieldType.text, FieldType.long_text):
        if not isinstance(value, str):
            raise ValueError("Please enter text.")
        text = value.strip()
        if "\x00" in text:
            raise ValueError("The text contains a character that is not allowed.")
        limit = field.max_length or (MAX_LONG_TEXT if kind == FieldType.long_text else MAX_TEXT)
        if len(text) > limit:
            raise ValueError(Msg("At most {limit} characters.", limit=limit))
        return text
    if kind == FieldType.number:
        # JSON true/false must not pass as 1/0.
        if isinstance(value, bool):
            raise ValueError("Please enter a number.")
        try:
            number = float(value) if isinstance(value, str) else value
            if not isinstance(number, int | float) or not math.isfinite(number):
                raise TypeError
        except (TypeError, ValueError, OverflowError):  # OverflowError: an int past any float
            raise ValueError("Please enter a number.") from None
        if field.min_value is not None and number < field.min_value:
            raise ValueError(Msg("At least {number}.", number=_fmt(field.min_value)))
        if field.max_value is not None and number > field.max_value:
            raise ValueError(Msg("At most {number}.", number=_fmt(field.max_value)))
        return int(number) if float(number).is_integer() else number
    if kind == FieldType.date:
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError("Please enter a date like 2026-11-26.") from None
    if kind == FieldType.datetime:
        try:
            return datetime.fromisoformat(str(value)).isoformat(timespec="minutes")
        except ValueError:
            raise ValueError("Please enter a date and time like 2026-11-26T14:30.") from None
    allowed = [c["value"] for c in field.choices or []]
    if kind == FieldType.single_choice:
        if not isinstance(value, str) or value not in allowed:
            raise ValueError("Please choose one of the options.")
        return value
    if kind == FieldType.multiple_choice:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) and v in allowed for v in values):
            raise ValueError("Please choose from the options.")
        # Keep the menu's order and drop repeats.
        return [v for v in allowed if v in values]
    raise ValueError("Unsupported field.")


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _snap(field: ServiceField, value: Any) -> dict:
    entry: dict = {"code": field.code, "type": str(field.type), "label": dict(field.label), "value": value}
    if field.choices:
        entry["choices"] = {c["value"]: c.get("label", {}) for c in field.choices}
    return entry
