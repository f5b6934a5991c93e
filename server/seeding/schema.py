"""Reading and checking the seed files. Each problem is reported as
``<file>: <entry>: <what is wrong>`` so an admin editing YAML by hand can find it at once.

The parsed result is plain dataclasses; nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from server.enterprises.credit_code import is_valid_credit_code
from server.enums import AssignmentMode, Audience, DepartmentKind, FieldType, Role

LOCALES = ("zh-Hans", "zh-Hant", "en")
CHOICE_TYPES = frozenset({FieldType.single_choice, FieldType.multiple_choice})
NUMBER_LIMIT_TYPES = frozenset({FieldType.number})
LENGTH_LIMIT_TYPES = frozenset({FieldType.text, FieldType.long_text})


class SeedError(ValueError):
    """A seed file that cannot be loaded; the message names the file and the entry."""


@dataclass(frozen=True)
class BuildingSeed:
    code: str
    name: dict[str, str]
    address: str
    floors: list[str]


@dataclass(frozen=True)
class DepartmentSeed:
    code: str
    name: dict[str, str]
    kind: DepartmentKind
    assignment_mode: AssignmentMode
    workday_periods: str | None


@dataclass(frozen=True)
class CategorySeed:
    code: str
    name: dict[str, str]
    description: dict[str, str]
    retired: bool = False


@dataclass(frozen=True)
class FieldSeed:
    code: str
    type: FieldType
    label: dict[str, str]
    required: bool
    help: dict[str, str]
    choices: list[dict[str, Any]]
    min_value: float | None
    max_value: float | None
    max_length: int | None


@dataclass(frozen=True)
class ServiceSeed:
    code: str
    category: str
    name: dict[str, str]
    description: dict[str, str]
    audience: Audience
    department: str | None
    claim_limit_hours: int
    complete_limit_days: int
    allow_attachments: bool
    fields: list[FieldSeed]
    retired: bool = False


@dataclass(frozen=True)
class EnterpriseSeed:
    name: str
    credit_code: str | None
    building: str | None
    floor: str


@dataclass(frozen=True)
class AccountSeed:
    username: str
    display_name: str
    roles: frozenset[Role]
    enterprise: str | None
    department: str | None
    phone: str
    email: str


@dataclass(frozen=True)
class DemoSeed:
    password: str
    enterprises: list[EnterpriseSeed] = field(default_factory=list)
    accounts: list[AccountSeed] = field(default_factory=list)


@dataclass(frozen=True)
class Seeds:
    buildings: list[BuildingSeed]
    departments: list[DepartmentSeed]
    categories: list[CategorySeed]
    services: list[ServiceSeed]
    demo: DemoSeed | None


# ── reading helpers ─────────────────────────────────────────────────────────


class _Entry:
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


def _read(path: Path, *, required: bool = True) -> dict | None:
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


def _entries(file: str, data: dict, key: str, kind: str, id_key: str, *, complete: bool = True) -> list[_Entry]:
    """The list under ``key``, each item wrapped, with duplicate keys rejected."""
    items = data.get(key)
    if not isinstance(items, list):
        raise SeedError(f"{file}: `{key}` must be a list")
    entries, seen = [], set()
    for index, item in enumerate(items, 1):
        ident = item.get(id_key) if isinstance(item, dict) else None
        entry = _Entry(file, f"{kind} #{index}" + (f" ({ident})" if ident else ""), item, complete=complete)
        ident = entry.text(id_key)
        if ident in seen:
            entry.fail(f"duplicate {id_key} {ident!r}")
        seen.add(ident)
        entries.append(entry)
    return entries


# ── the files ──────────────────────────────────────────────────────────────


def parse_buildings(file: str, data: dict) -> list[BuildingSeed]:
    result = []
    for e in _entries(file, data, "buildings", "building", "code"):
        floors = [str(f).strip() for f in e.items("floors")]
        if not floors or any(not f for f in floors):
            e.fail("`floors` must list at least one non-empty floor label")
        if len(set(floors)) != len(floors):
            e.fail("`floors` has a label twice")
        result.append(BuildingSeed(e.text("code"), e.localized("name"), e.text("address", required=False), floors))
    return result


def parse_departments(file: str, data: dict) -> list[DepartmentSeed]:
    from server.worktime import parse_periods

    result = []
    for e in _entries(file, data, "departments", "department", "code"):
        periods = e.optional_text("workday_periods")
        if periods:
            try:
                parse_periods(periods)
            except ValueError as exc:
                e.fail(f"`workday_periods`: {exc}")
        result.append(
            DepartmentSeed(
                code=e.text("code"),
                name=e.localized("name"),
                kind=e.enum("kind", DepartmentKind),
                assignment_mode=e.enum("assignment_mode", AssignmentMode, AssignmentMode.open_queue),
                workday_periods=periods,
            )
        )
    return result


def _parse_field(service: _Entry, index: int, item: Any) -> FieldSeed:
    code = item.get("code") if isinstance(item, dict) else None
    e = _Entry(service.file, f"{service.where}: field #{index}" + (f" ({code})" if code else ""), item, complete=service.complete)
    ftype = e.enum("type", FieldType)
    choices: list[dict[str, Any]] = []
    if ftype in CHOICE_TYPES:
        raw = e.items("choices")
        if len(raw) < 2:
            e.fail("a choice field needs at least two `choices`")
        values = set()
        for n, choice in enumerate(raw, 1):
            c = _Entry(e.file, f"{e.where}: choice #{n}", choice, complete=e.complete)
            value = c.text("value")
            if value in values:
                c.fail(f"duplicate value {value!r}")
            values.add(value)
            choices.append({"value": value, "label": c.localized("label")})
    elif "choices" in e.data:
        e.fail(f"only choice fields have `choices`, not a {ftype} field")
    min_value, max_value = e.number("min"), e.number("max")
    if (min_value is not None or max_value is not None) and ftype not in NUMBER_LIMIT_TYPES:
        e.fail(f"`min`/`max` apply to number fields, not a {ftype} field")
    if min_value is not None and max_value is not None and min_value > max_value:
        e.fail(f"`min` {min_value:g} is above `max` {max_value:g}")
    max_length = e.integer("max_length", minimum=1, required=False)
    if max_length is not None and ftype not in LENGTH_LIMIT_TYPES:
        e.fail(f"`max_length` applies to text fields, not a {ftype} field")
    return FieldSeed(
        code=e.text("code"),
        type=ftype,
        label=e.localized("label"),
        required=e.flag("required", False),
        help=e.localized("help", required=False),
        choices=choices,
        min_value=min_value,
        max_value=max_value,
        max_length=max_length,
    )


def parse_catalog(
    file: str, data: dict, department_codes: set[str], *, complete: bool = True
) -> tuple[list[CategorySeed], list[ServiceSeed]]:
    """``complete=False`` (the admin's import) lets translations other than zh-Hans be
    missing and service descriptions be empty, as the admin pages allow."""
    categories = [
        CategorySeed(
            e.text("code"), e.localized("name"), e.localized("description", required=False), e.flag("retired", False)
        )
        for e in _entries(file, data, "categories", "category", "code", complete=complete)
    ]
    category_codes = {c.code for c in categories}
    services = []
    for e in _entries(file, data, "services", "service", "code", complete=complete):
        category = e.text("category")
        if category not in category_codes:
            e.fail(f"unknown category {category!r}; known: {', '.join(sorted(category_codes))}")
        if "department" not in e.data:
            e.fail("`department` is missing (write `department: null` to let a dispatcher decide)")
        department = e.optional_text("department")
        if department is not None and department not in department_codes:
            e.fail(f"unknown department {department!r}; known: {', '.join(sorted(department_codes))}")
        fields = [_parse_field(e, n, item) for n, item in enumerate(e.items("fields", required=False), 1)]
        codes = [f.code for f in fields]
        if len(set(codes)) != len(codes):
            e.fail("two fields share a code")
        services.append(
            ServiceSeed(
                code=e.text("code"),
                category=category,
                name=e.localized("name"),
                description=e.localized("description", required=complete),
                audience=e.enum("audience", Audience, Audience.both),
                department=department,
                claim_limit_hours=e.integer("claim_limit_hours", minimum=1),
                complete_limit_days=e.integer("complete_limit_days", minimum=1),
                allow_attachments=e.flag("allow_attachments", True),
                fields=fields,
                retired=e.flag("retired", False),
            )
        )
    return categories, services


def parse_demo(file: str, data: dict, building_codes: set[str], department_codes: set[str]) -> DemoSeed:
    password = data.get("password")
    if not isinstance(password, str) or len(password) < 8:
        raise SeedError(f"{file}: `password` must be text of at least 8 characters")
    enterprises = []
    for e in _entries(file, data, "enterprises", "enterprise", "name"):
        credit_code = e.optional_text("credit_code")
        if credit_code is not None and not is_valid_credit_code(credit_code):
            e.fail(f"`credit_code` {credit_code!r} is not a valid unified social credit code (GB 32100)")
        building = e.optional_text("building")
        if building is not None and building not in building_codes:
            e.fail(f"unknown building {building!r}")
        enterprises.append(EnterpriseSeed(e.text("name"), credit_code and credit_code.upper(), building, e.text("floor", required=False)))
    enterprise_names = {x.name for x in enterprises}
    accounts = []
    for e in _entries(file, data, "accounts", "account", "username"):
        raw_roles = e.items("roles")
        if not raw_roles:
            e.fail("`roles` must name at least one role")
        roles = set()
        for raw in raw_roles:
            try:
                roles.add(Role(raw))
            except ValueError:
                e.fail(f"unknown role {raw!r}; use {' | '.join(r.value for r in Role)}")
        enterprise, department = e.optional_text("enterprise"), e.optional_text("department")
        if enterprise is not None and enterprise not in enterprise_names:
            e.fail(f"unknown enterprise {enterprise!r}")
        if department is not None and department not in department_codes:
            e.fail(f"unknown department {department!r}")
        if roles & {Role.staff, Role.lead} and department is None:
            e.fail("staff and leads need a `department`")
        accounts.append(
            AccountSeed(
                username=e.text("username"),
                display_name=e.text("display_name"),
                roles=frozenset(roles),
                enterprise=enterprise,
                department=department,
                phone=e.text("phone", required=False),
                email=e.text("email", required=False),
            )
        )
    return DemoSeed(password, enterprises, accounts)


def read_seeds(seeds_dir: Path, *, with_accounts: bool = True) -> Seeds:
    """Parse and cross-check every seed file in ``seeds_dir``; raises :class:`SeedError`."""
    seeds_dir = Path(seeds_dir)
    buildings = parse_buildings("buildings.yaml", _read(seeds_dir / "buildings.yaml"))
    departments = parse_departments("departments.yaml", _read(seeds_dir / "departments.yaml"))
    department_codes = {d.code for d in departments}
    categories, services = parse_catalog("catalog.yaml", _read(seeds_dir / "catalog.yaml"), department_codes)
    demo = None
    if with_accounts:
        data = _read(seeds_dir / "demo.yaml", required=False)
        if data is not None:
            demo = parse_demo("demo.yaml", data, {b.code for b in buildings}, department_codes)
    return Seeds(buildings, departments, categories, services, demo)
