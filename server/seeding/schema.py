"""Reading the seed files. Each problem is reported as ``<file>: <entry>: <what is wrong>`` so
an admin editing YAML by hand can find it at once.

Seeding owns no rules: each entry is checked by its domain's (the menu by
server/catalog/rules.py through server/catalog/file_format.py, buildings, departments and
accounts by their packages' rules.py, credit codes by server/enterprises/credit_code.py); what is left
here is the files' structure and their cross-references. The parsed result is plain
dataclasses; nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from server.accounts import rules as account_rules
from server.buildings.rules import check_building
from server.catalog.file_format import CategorySeed, FieldSeed, ServiceSeed, parse_catalog
from server.departments.rules import check_department
from server.enterprises.credit_code import check_credit_code
from server.enums import AssignmentMode, DepartmentKind, Role
from server.yaml_file import SeedError, entries, read_file

__all__ = ["CategorySeed", "FieldSeed", "SeedError", "Seeds", "ServiceSeed", "read_seeds"]

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
    is_party_member: bool = False
    party_branch: str = ""


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


# ── the files ──────────────────────────────────────────────────────────────


def parse_buildings(file: str, data: dict) -> list[BuildingSeed]:
    result = []
    for e in entries(file, data, "buildings", "building", "code"):
        errors: dict[str, str] = {}
        values = check_building(errors, code=e.text("code"), name=e.localized("name"),
                                address=e.text("address", required=False), floors=[str(f) for f in e.items("floors")])
        e.refuse(errors)
        result.append(BuildingSeed(**values))
    return result


def parse_departments(file: str, data: dict) -> list[DepartmentSeed]:
    result = []
    for e in entries(file, data, "departments", "department", "code"):
        errors: dict[str, str] = {}
        values = check_department(
            errors, code=e.text("code"), name=e.localized("name"), kind=e.enum("kind", DepartmentKind),
            assignment_mode=e.enum("assignment_mode", AssignmentMode, AssignmentMode.open_queue),
            workday_periods=e.text("workday_periods", required=False),
        )
        e.refuse(errors)
        result.append(DepartmentSeed(**values))
    return result


def parse_demo(file: str, data: dict, building_codes: set[str], department_codes: set[str]) -> DemoSeed:
    password = data.get("password")
    if not isinstance(password, str) or len(password) < 8:
        raise SeedError(f"{file}: `password` must be text of at least 8 characters")
    enterprises = []
    for e in entries(file, data, "enterprises", "enterprise", "name"):
        errors: dict[str, str] = {}
        credit_code = check_credit_code(errors, e.text("credit_code", required=False))
        e.refuse(errors)
        building = e.optional_text("building")
        if building is not None and building not in building_codes:
            e.fail(f"unknown building {building!r}")
        enterprises.append(EnterpriseSeed(e.text("name"), credit_code, building, e.text("floor", required=False)))
    enterprise_names = {x.name for x in enterprises}
    accounts = []
    for e in entries(file, data, "accounts", "account", "username"):
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
        errors: dict[str, str] = {}
        username = account_rules.username(errors, e.text("username"))
        display_name = account_rules.display_name(errors, e.text("display_name"))
        phone, email = account_rules.contact(errors, e.text("phone", required=False), e.text("email", required=False))
        roles = account_rules.roles(errors, roles)
        account_rules.belonging(errors, roles, has_department=department is not None, has_enterprise=enterprise is not None)
        is_party_member, party_branch = account_rules.party(
            errors, e.flag("party_member", False), e.text("party_branch", required=False))
        e.refuse(errors, {"department_id": "department", "enterprise_id": "enterprise"})
        accounts.append(AccountSeed(username, display_name, frozenset(roles), enterprise, department, phone, email,
                                    is_party_member, party_branch))
    return DemoSeed(password, enterprises, accounts)


def read_seeds(seeds_dir: Path, *, with_accounts: bool = True) -> Seeds:
    """Parse and cross-check every seed file in ``seeds_dir``; raises :class:`SeedError`."""
    seeds_dir = Path(seeds_dir)
    buildings = parse_buildings("buildings.yaml", read_file(seeds_dir / "buildings.yaml"))
    departments = parse_departments("departments.yaml", read_file(seeds_dir / "departments.yaml"))
    department_codes = {d.code for d in departments}
    categories, services = parse_catalog("catalog.yaml", read_file(seeds_dir / "catalog.yaml"), department_codes)
    demo = None
    if with_accounts:
        data = read_file(seeds_dir / "demo.yaml", required=False)
        if data is not None:
            demo = parse_demo("demo.yaml", data, {b.code for b in buildings}, department_codes)
    return Seeds(buildings, departments, categories, services, demo)
