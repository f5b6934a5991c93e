"""Property tests (Hypothesis) for the two parsers of outside input that every list and every
submission trusts: the cursor decoder and the answer validator. Whatever arrives, they answer
with values of the right kind or their own refusal — never another exception (a 500)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import column

from server import paging
from server.enums import FieldType
from server.errors import InvalidInput
from server.models import ServiceField
from server.requests.answers import validate_answers

KEYS = [paging.Key(column("due"), "dt"), paging.Key(column("id"), "int", descending=True)]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)
aware_times = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC))


def _as_cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@given(st.text(max_size=500))
def test_any_text_is_a_cursor_or_a_refusal(text):
    try:
        values = paging.decode(text, "queue", KEYS)
    except InvalidInput:
        return
    assert isinstance(values[0], datetime) and isinstance(values[1], int)


@given(st.one_of(json_values, st.fixed_dictionaries({"list": st.just("queue"), "after": json_values})))
def test_any_json_is_a_cursor_or_a_refusal(payload):
    try:
        values = paging.decode(_as_cursor(payload), "queue", KEYS)
    except InvalidInput:
        return
    assert values[0].tzinfo is not None and paging.INT64_MIN <= values[1] <= paging.INT64_MAX


@given(aware_times, st.integers(min_value=paging.INT64_MIN, max_value=paging.INT64_MAX))
def test_a_cursor_we_gave_out_comes_back_as_it_was(due, row_id):
    assert paging.decode(paging.encode("queue", [due, row_id]), "queue", KEYS) == [due, row_id]


@given(aware_times, st.integers(min_value=1, max_value=10**6))
def test_another_lists_cursor_is_refused(due, row_id):
    with pytest.raises(InvalidInput):
        paging.decode(paging.encode("board", [due, row_id]), "queue", KEYS)


def _fields() -> list[ServiceField]:
    choices = [{"value": "a", "label": {"en": "A"}}, {"value": "b", "label": {"en": "B"}}]
    kinds = [
        (FieldType.text, {}), (FieldType.long_text, {}), (FieldType.number, {"min_value": 1, "max_value": 50}),
        (FieldType.date, {}), (FieldType.datetime, {}), (FieldType.single_choice, {"choices": choices}),
        (FieldType.multiple_choice, {"choices": choices}),
    ]
    return [ServiceField(code=f"f{i}", type=kind, label={"en": str(kind)}, required=i % 2 == 0, position=i, **extra)
            for i, (kind, extra) in enumerate(kinds)]


FIELDS = _fields()
_VALUE_TYPES = {
    FieldType.text: str, FieldType.long_text: str, FieldType.number: int | float, FieldType.date: str,
    FieldType.datetime: str, FieldType.single_choice: str, FieldType.multiple_choice: list,
}


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from([f.code for f in FIELDS] + ["nope"]), json_values, max_size=8))
def test_any_answers_are_checked_never_crash(raw):
    snapshot, errors = validate_answers(FIELDS, raw)
    assert all(key.startswith("answers.") for key in errors)
    if "nope" in raw:
        assert "answers.nope" in errors
    by_code = {entry["code"]: entry for entry in snapshot}
    for field in FIELDS:
        key = f"answers.{field.code}"
        if key in errors:
            continue
        value = by_code[field.code]["value"]
        if value is None:
            assert not field.required
            continue
        assert isinstance(value, _VALUE_TYPES[field.type])
        if field.type == FieldType.number:
            assert 1 <= value <= 50
        if field.type in (FieldType.single_choice, FieldType.multiple_choice):
            assert set([value] if isinstance(value, str) else value) <= {"a", "b"}
        if isinstance(value, str):
            assert "\x00" not in value


@given(st.integers(min_value=10**20, max_value=10**400) | st.floats(min_value=1e20, allow_infinity=True))
def test_huge_numbers_are_out_of_range_not_errors(number):
    _snapshot, errors = validate_answers(FIELDS, {"f2": number})
    assert "answers.f2" in errors


def test_a_time_zone_less_due_is_refused():
    with pytest.raises(InvalidInput):
        paging.decode(_as_cursor({"list": "queue", "after": ["2026-01-01T00:00:00", 1]}), "queue", KEYS)
    with pytest.raises(InvalidInput):
        paging.decode(_as_cursor({"list": "queue", "after": [None, 1]}), "queue", KEYS)
    aware = (datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=1)).isoformat()
    assert paging.decode(_as_cursor({"list": "queue", "after": [aware, 1]}), "queue", KEYS)[1] == 1
