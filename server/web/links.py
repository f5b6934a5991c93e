"""Links: where we may send a browser after sign-in or a language switch (only our own
paths), and the request finder's URLs that every page builds the same way."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from urllib.parse import urlencode, urlsplit


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default``. Refuses absolute URLs,
    scheme-relative ``//host`` and ``/\\host`` (browsers treat ``\\`` as ``/``), and control
    characters that browsers strip before parsing."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(c) < 0x20 or c == "\\" for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


FINDER = "/requests"


def _query_value(value: object) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def finder_url(**params) -> str:
    """A link to the request finder (``/requests``) with these filters, in the URL contract
    every page shares: ``q``, ``status`` (repeatable), ``service``, ``category``,
    ``department``, ``building``, ``enterprise``, ``flag``, ``overdue``, ``from``, ``to``,
    ``date``, ``sort``, ``cursor``.

    None and "" are left out; a list, tuple or set repeats its parameter once per value;
    enums give their value, dates their ISO form. A trailing underscore is dropped from a
    name, so ``from_=`` can stand for the Python keyword ``from``."""
    return _with_query(FINDER, params)


def finder_export_url(format: str, **params) -> str:
    """The export (``/requests/export?format=csv|xlsx``) of the list ``finder_url(**params)``
    shows; its page cursor, if any, is left out (an export is the whole list)."""
    params.pop("cursor", None)
    return _with_query(f"{FINDER}/export", {"format": format, **params})


def _with_query(path: str, params: dict) -> str:
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        key = name[:-1] if name.endswith("_") else name
        if isinstance(value, set | frozenset):
            value = sorted(value, key=_query_value)
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if item is None or item == "":
                continue
            pairs.append((key, _query_value(item)))
    return f"{path}?{urlencode(pairs)}" if pairs else path
