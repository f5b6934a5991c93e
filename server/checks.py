"""Checks shared by the directory services (departments, buildings, enterprises, people): codes,
per-language names, and the refusal to delete what is still referenced. Pure helpers: no
database."""

from __future__ import annotations

import re
from collections.abc import Mapping

from server.errors import Conflict, InvalidInput
from server.i18n_text import DEFAULT_LOCALE, LOCALES

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def check_code(code: str, errors: dict[str, str], field: str = "code") -> None:
    if not CODE_PATTERN.match(code):
        errors[field] = "A code is 1 to 40 letters, digits, dots, dashes or underscores."


def clean_names(names: Mapping[str, str] | None, errors: dict[str, str], field: str = "name") -> dict[str, str]:
    """{locale: name} with blanks dropped; the default language's name is required."""
    cleaned = {locale: (names or {}).get(locale, "").strip() for locale in LOCALES}
    cleaned = {locale: text for locale, text in cleaned.items() if text}
    if DEFAULT_LOCALE not in cleaned:
        errors[f"{field}.{DEFAULT_LOCALE}"] = "A name in Simplified Chinese is required."
    for locale, text in cleaned.items():
        if len(text) > 200:
            errors[f"{field}.{locale}"] = "At most 200 characters."
    return cleaned


def raise_if_invalid(errors: dict[str, str]) -> None:
    if errors:
        raise InvalidInput("Please correct the marked fields.", errors)


def refuse_if_referenced(message: str, counts: Mapping[str, int]) -> None:
    """Deleting a row that others still point at would break them: refuse with a message
    naming who refers to it and how many (``message`` has a placeholder per key)."""
    if any(counts.values()):
        raise Conflict(message, dict(counts))
