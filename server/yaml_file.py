"""Reading hand-edited YAML files (the seed files, an exported service menu) with errors that
say where: ``<file>: <entry>: <what is wrong>``, so whoever edits the file finds it at once.
Typed access only (text, numbers, flags, per-language texts, lists); what a value must be
is decided by the domains' rules, not here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from server.i18n_text import LOCALES


class SeedError(ValueError):
    """A file that cannot be loaded; the message names the file and the entry."""


class Entry:
    """Typed access to one mapping of a seed file, with errors that say where."""

    def __init__(self, file: str, where: str, data: Any, *, complete: bool = True):
        # complete: every locale must be filled in (the shipped seeds); otherwise only
        # zh-Hans, the others falling back to it (a menu exported from an installation).
        self.file, self.where, self.complete = file, where, complete
        if not isinstance(data, dict):
            self.fail(f"must be a mapping, not {type(data).__name__}")
        self.data: dict = data

    def fail(self, message: str):
        raise SeedError(f"{self.file}: {self.where}: {message}")

    def refuse(self, errors: dict[str, str], keys: dict[str, str] | None = None) -> None:
        """Fail with the messages a domain rule collected ({field: message}), each after the
        file's key for that field (``keys`` maps the ones spelled differently)."""
        if errors:
            self.fail("; ".join(f"`{(keys or {}).get(k, k)}`: {message}" for k, message in errors.items()))

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail(f"`{key}` is missing")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(f"`{key}` must be text, not {type(value).__name__}")
        text = str(value).strip()
        if required and not text:
            self.fail(f"`{key}` must not be empty")
        return text

    def optional_text(self, key: str) -> str | None:
        return self.text(key, required=False) or None

    def integer(self, key: str, *, minimum: int = 0, required: bool = True) -> int | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"`{key}` must be a whole number, not {value!r}")
        if value < minimum:
            self.fail(f"`{key}` must be at least {minimum}, not {value}")
        return value

    def number(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"`{key}` must be a number, not {value!r}")
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"`{key}` must be true or false, not {value!r}")
        return value

    def enum(self, key: str, enum: type, default=None):
        value = self.data.get(key, default)
        if value is None:
            self.fail(f"`{key}` is missing")
        try:
            return enum(value)
        except ValueError:
            allowed = " | ".join(m.value for m in enum)
            self.fail(f"`{key}` must be one of {allowed}, not {value!r}")

    def localized(self, key: str, *, required: bool = True) -> dict[str, str]:
        """A per-locale text map; when present, every locale must be filled in."""
        value = self.data.get(key)
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            self.fail(f"`{key}` must be a map of {', '.join(LOCALES)}")
        unknown = set(value) - set(LOCALES)
        if unknown:
            self.fail(f"`{key}` has unknown locale(s) {sorted(unknown)}; use {', '.join(LOCALES)}")
        for locale in LOCALES if self.complete else LOCALES[:1]:
            text = value.get(locale)
            if not isinstance(text, str) or not text.strip():
                self.fail(f"`{key}` needs a non-empty {locale} text")
        for locale, text in value.items():
            if text is not None and not isinstance(text, str):
                self.fail(f"`{key}`: the {locale} text must be text")
        return {locale: value[locale].strip() for locale in LOCALES if (value.get(locale) or "").strip()}

    def items(self, key: str, *, required: bool = True) -> list:
        value = self.data.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            self.fail(f"`{key}` must be a list")
        return value


def read_file(path: Path, *, required: bool = True) -> dict | None:
    if not path.exists():
        if required:
            raise SeedError(f"{path}: file not found")
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SeedError(f"{path.name}: not valid YAML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise SeedError(f"{path.name}: not UTF-8 text: {exc}") from exc
    if not isinstance(data, dict):
        raise SeedError(f"{path.name}: the top level must be a mapping")
    return data


def entries(file: str, data: dict, key: str, kind: str, id_key: str, *, complete: bool = True) -> list[Entry]:
    """The list under ``key``, each item wrapped, with duplicate keys rejected."""
    items = data.get(key)
    if not isinstance(items, list):
        raise SeedError(f"{file}: `{key}` must be a list")
    entries, seen = [], set()
    for index, item in enumerate(items, 1):
        ident = item.get(id_key) if isinstance(item, dict) else None
        entry = Entry(file, f"{kind} #{index}" + (f" ({ident})" if ident else ""), item, complete=complete)
        ident = entry.text(id_key)
        if ident in seen:
            entry.fail(f"duplicate {id_key} {ident!r}")
        seen.add(ident)
        entries.append(entry)
    return entries


def load_text(text: str, file: str) -> dict:
    """The top-level mapping of a YAML document given as text (an uploaded or exported file)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SeedError(f"{file}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SeedError(f"{file}: the top level must be a mapping")
    return data
