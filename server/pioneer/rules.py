"""What a pioneer record must be, as pure checks collecting a message per field (English
msgids), the same for the centre's forms and the API. The service (server/pioneer/service.py)
adds what needs the database: that the people named are party members."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from server.errors import Msg
from server.pioneer.index import RECORDED_KINDS

Errors = dict[str, str]
WHAT_MAX, REASON_MAX, NAME_MAX = 200, 300, 200
POINTS_LIMIT = 100
EARLIEST = date(2000, 1, 1)


def day(errors: Errors, value: date | str | None, today: date, field: str = "day") -> date | None:
    """A date, not in the future (a record is of something that happened)."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip()) if value.strip() else None
        except ValueError:
            errors[field] = "A date is written YYYY-MM-DD."
            return None
    if value is None:
        errors[field] = "A date is required."
    elif value > today:
        errors[field] = "This date is in the future."
    elif value < EARLIEST:
        errors[field] = "This date is too long ago."
    return value


def _decimal(value: str | float | int | None) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def tenths_of_hours(errors: Errors, value: str | float | int | None, field: str = "hours") -> int | None:
    """Hours as tenths: more than 0, at most 24 in one record, at most one decimal."""
    number = _decimal(value)
    if number is None or number != number.quantize(Decimal("0.1")) or not 0 < number <= 24:
        errors[field] = "Hours are a number above 0 and at most 24, with at most one decimal."
        return None
    return int(number * 10)


def points(errors: Errors, value: str | int | None, field: str = "points") -> int | None:
    """Whole points from −100 to 100, not 0: positive awards, negative deducts."""
    number = _decimal(value)
    if number is None or number != number.to_integral_value() or number == 0 or abs(number) > POINTS_LIMIT:
        errors[field] = "Points are a whole number from -100 to 100, not 0."
        return None
    return int(number)


def required_text(errors: Errors, value: str, field: str, limit: int, message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = message
    elif len(value) > limit:
        errors[field] = Msg("At most {limit} characters.", limit=limit)
    elif "\x00" in value:
        errors[field] = "This text holds a character that cannot be stored."
    return value


def activity_kind(errors: Errors, value: str, field: str = "kind") -> str:
    if value not in RECORDED_KINDS:
        errors[field] = "Choose what kind of activity it was."
    return value


def speaker_rating_tenths(errors: Errors, value: str | float | None, has_speaker: bool,
                          field: str = "speaker_rating") -> int | None:
    """The audience's average speaker rating, 1.0–5.0, only for a lecture with a speaker."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = _decimal(value)
    if number is None or number != number.quantize(Decimal("0.1")) or not 1 <= number <= 5:
        errors[field] = "A speaker rating is from 1 to 5, with at most one decimal."
        return None
    if not has_speaker:
        errors[field] = "A speaker rating needs a speaker."
        return None
    return int(number * 10)
