"""Keyset pagination, the one way every list pages (never OFFSET: a deep page is as fast as the
first), and its cursors.

A list orders its rows by a few :class:`Key` columns, the last one unique (the id). A page's
cursor holds the sort-key values of its last row and the list's name; the next page is the
rows strictly after them. A cursor is decoded and validated by a pydantic model before any of
it reaches the database: the right list, one value per key, integers within the 64-bit range
of the columns, timezone-aware times a database can store. Anything else — a stale bookmark,
a cursor of another list or order, a crafted value — is :class:`InvalidInput` (422 in the API,
the 422 page on the pages), never a silent restart and never a database error.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, cmp_to_key
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    create_model,
)
from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import Session

from server.errors import InvalidInput

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_CURSOR = 400  # characters: more is never one of ours


def _storable(value: datetime) -> datetime:
    # Both databases keep UTC: a time whose UTC form leaves years 1..9999 cannot be compared.
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range") from None


Int64 = Annotated[int, Strict(), Field(ge=INT64_MIN, le=INT64_MAX)]
Time = Annotated[AwareDatetime, AfterValidator(_storable)]
KINDS: dict[str, Any] = {"int": Int64, "dt": Time}


@dataclass(frozen=True)
class Key:
    """One sort key of a list: the expression, how its value travels in a cursor ("int" or
    "dt"), and its direction. Keys must never be NULL (coalesce them) and the last must be
    unique, so that "after" is well defined."""

    expr: ColumnElement
    kind: str
    descending: bool = False


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next_cursor: str | None  # None on the last page


def encode(name: str, values: Sequence[Any]) -> str:
    raw = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    data = json.dumps({"list": name, "after": raw}, separators=(",", ":"))
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


@cache
def _model(kinds: tuple[str, ...]) -> type[BaseModel]:
    return create_model(
        "Cursor",
        __config__=ConfigDict(extra="forbid", strict=False),
        list=(str, ...),
        after=(tuple[tuple(KINDS[k] for k in kinds)], ...),  # type: ignore[misc]
    )


def _invalid() -> InvalidInput:
    return InvalidInput("The cursor is not valid for this list; start from the first page.", {"cursor": "Invalid cursor."})


def decode(cursor: str, name: str, keys: Sequence[Key]) -> list[Any]:
    """The values of ``cursor``, checked against the list ``name`` and its ``keys``; raises
    InvalidInput for anything that is not a cursor this list gave out."""
    if len(cursor) > MAX_CURSOR:
        raise _invalid()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parsed = _model(tuple(k.kind for k in keys)).model_validate_json(raw)
    except (ValueError, binascii.Error, ValidationError):  # ValidationError is a ValueError; named for the reader
        raise _invalid() from None
    if parsed.list != name:
        raise _invalid()
    return list(parsed.after)


def after(keys: Sequence[Key], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows that come strictly after ``values`` in the order of ``keys``."""
    alternatives = []
    for i, key in enumerate(keys):
        same_before = [k.expr == v for k, v in zip(keys[:i], values[:i], strict=True)]
        beyond = key.expr < values[i] if key.descending else key.expr > values[i]
        alternatives.append(and_(*same_before, beyond))
    return or_(*alternatives)


def _ordered(stmt: Select, keys: Sequence[Key], limit: int) -> Select:
    stmt = stmt.add_columns(*(k.expr for k in keys))
    return stmt.order_by(*(k.expr.desc() if k.descending else k.expr.asc() for k in keys)).limit(limit + 1)


def _compare(keys: Sequence[Key]) -> Callable[[tuple, tuple], int]:
    def compare(a: tuple, b: tuple) -> int:
        for key, x, y in zip(keys, a, b, strict=True):
            if x != y:
                smaller = -1 if x < y else 1
                return -smaller if key.descending else smaller
        return 0

    return compare


# The first pages' ordered statements of lists built once (``page(params=...)``), by the
# statement and the page's size; the statement is kept with it, so its id is never reused.
_FIRST: dict[tuple[int, int], tuple[Select, Select]] = {}


def _first_page(stmt: Select, keys: Sequence[Key], limit: int) -> Select:
    found = _FIRST.get((id(stmt), limit))
    if found is None or found[0] is not stmt:
        found = _FIRST[id(stmt), limit] = (stmt, _ordered(stmt, keys, limit))
    return found[1]


def page(
    session: Session,
    stmt: Select,
    keys: Sequence[Key],
    name: str,
    cursor: str | None,
    limit: int,
    *,
    alternatives: Sequence[ColumnElement[bool]] | None = None,
    width: int = 1,
    params: Mapping[str, Any] | None = None,
) -> Page:
    """One page of ``stmt`` (selecting one entity) ordered by ``keys``, after ``cursor``.
    With ``width`` > 1, ``stmt`` selects that many columns and each row is their tuple: the
    same page, read without loading objects (a work list's state, see worklists.STATE).

    The sort keys are selected with the rows, so the next cursor holds exactly what the
    database compared, never a value recomputed here. With ``alternatives`` (conditions any
    of which admits a row) each runs as its own query and the pages merge here: one indexed
    query per condition beats an OR across columns that makes the database sort every match.

    With ``params``, ``stmt`` and ``keys`` are built once by their caller, with bind parameters
    whose values these are: the first page's ordered statement is then built once too, so
    SQLAlchemy neither builds it nor computes its cache key again at every request (a fifth of
    a work list's loading). Such a caller keeps its statements for good (a few per list)."""
    if cursor:
        stmt = stmt.where(after(keys, decode(cursor, name, keys)))
    # Rows of columns need nothing of the ORM's loading: the connection reads them (a third
    # less time a statement than through the session).
    run = session.connection().execute if width > 1 else session.execute
    if alternatives is None:
        ordered = _first_page(stmt, keys, limit) if params is not None and not cursor else _ordered(stmt, keys, limit)
        result = [tuple(row) for row in run(ordered, params).all()]
    else:
        merged: dict[tuple, tuple] = {}
        for condition in alternatives:
            for row in run(_ordered(stmt.where(condition), keys, limit), params).all():
                merged[tuple(row[width:])] = tuple(row)
        ordered = sorted(merged, key=cmp_to_key(_compare(keys)))
        result = [merged[k] for k in ordered[: limit + 1]]
    next_cursor = encode(name, result[limit - 1][width:]) if len(result) > limit else None
    if width == 1:
        return Page([row[0] for row in result[:limit]], next_cursor)
    return Page([row[:width] for row in result[:limit]], next_cursor)
