"""Bulk import of enterprises and people from CSV or XLSX, in two steps.

1. :func:`preview` reads every row, matches it to what exists (enterprises by credit code,
   else name; people by username) and checks it with the same rules as the entity services.
   Nothing is written. Each row becomes "create", "update", "unchanged" or "error".
2. :func:`apply` checks the rows again (the database may have moved since the preview) and,
   only when no row has an error, writes them all through the entity services in the
   caller's one transaction, so the audit trail gets each row's before and after, plus one
   summary entry for the import. Any error raises :class:`ImportRejected`; the caller's
   transaction is rolled back, so nothing is written.

New people get no usable password: the admin resets it on their page to hand out a
temporary one (hashing thousands of passwords would also take minutes).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from server.accounts import people as people_service
from server.accounts import people_repository as people_repo
from server.audit import service as audit
from server.buildings import repository as building_repo
from server.departments import repository as department_repo
from server.enterprises import repository as enterprise_repo
from server.enterprises import service as enterprise_service
from server.enterprises.credit_code import make_credit_code, normalize_credit_code
from server.enums import Role
from server.errors import InvalidInput, LianxinError, Msg
from server.imports.files import header_columns, read_rows
from server.models import Building, Department, Person

KINDS = ("enterprises", "people")
COLUMNS: dict[str, tuple[str, ...]] = {
    "enterprises": ("name", "credit_code", "building", "floor", "active"),
    "people": ("username", "display_name", "phone", "email", "roles", "enterprise", "department", "active"),
}
REQUIRED: dict[str, tuple[str, ...]] = {"enterprises": ("name",), "people": ("username", "display_name", "roles")}
EXAMPLES: dict[str, dict[str, str]] = {
    "enterprises": {"name": "示例科技有限公司", "credit_code": make_credit_code("440300", "MA5EXAMP"), "building": "A1", "floor": "3",
                    "active": "yes"},
    "people": {"username": "zhangsan", "display_name": "张三", "phone": "13800000000", "email": "zhangsan@example.com",
               "roles": "member;contact", "enterprise": "示例科技有限公司", "department": "", "active": "yes"},
}
ROLE_ALIASES = {
    "党员": Role.member, "职工": Role.member, "成员": Role.member, "職工": Role.member, "黨員": Role.member,
    "企业联络员": Role.contact, "联络员": Role.contact, "企業聯絡員": Role.contact,
    "派单员": Role.dispatcher, "派單員": Role.dispatcher, "承接人": Role.staff, "部门负责人": Role.lead,
    "部門負責人": Role.lead, "负责人": Role.lead, "督办": Role.supervisor, "督辦": Role.supervisor,
    "管理员": Role.admin, "管理員": Role.admin,
}
_ROLE_SPLIT = re.compile(r"[,;，；、|/\s]+")
_YES = {"", "yes", "y", "true", "1", "是", "启用", "啟用", "active"}
_NO = {"no", "n", "false", "0", "否", "停用", "inactive"}
CHUNK = 500
# Which import column each service field's message belongs to.
_FIELD_COLUMN = {"building_id": "building", "enterprise_id": "enterprise", "department_id": "department"}


@dataclass
class Row:
    line: int
    values: dict[str, str]
    action: str = "create"  # create | update | unchanged | error
    errors: dict[str, str] = field(default_factory=dict)
    target_id: int | None = None


@dataclass
class Preview:
    kind: str
    filename: str
    rows: list[Row]
    file_errors: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in ("create", "update", "unchanged", "error")}

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(r.errors for r in self.rows)

    def to_json(self) -> dict[str, Any]:
        rows = []
        for row in self.rows:
            item = asdict(row)
            item["errors"] = {k: _dump_message(v) for k, v in row.errors.items()}
            rows.append(item)
        return {"kind": self.kind, "filename": self.filename, "rows": rows,
                "file_errors": [_dump_message(m) for m in self.file_errors]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Preview:
        rows = []
        for item in data["rows"]:
            item = dict(item)
            item["errors"] = {k: _load_message(v) for k, v in item.get("errors", {}).items()}
            rows.append(Row(**item))
        return cls(kind=data["kind"], filename=data["filename"], rows=rows,
                   file_errors=[_load_message(m) for m in data.get("file_errors", [])])


def _dump_message(message: str) -> list:
    # A Msg keeps its msgid and parameters, so a stored preview still shows in any language.
    if isinstance(message, Msg):
        return [message.msgid, message.params]
    return [str(message), {}]


def _load_message(value) -> str:
    msgid, params = value
    return Msg(msgid, **params) if params else msgid


class ImportRejected(InvalidInput):
    """Some rows have errors; nothing was written. ``preview`` has every row and error."""

    def __init__(self, preview: Preview):
        super().__init__("Nothing was imported: some rows have errors.")
        self.preview = preview


# --- reading -------------------------------------------------------------------------------
def parse(kind: str, data: bytes, filename: str, *, max_bytes: int | None = None) -> Preview:
    """The file's rows as raw values (no database yet); file-level problems land in
    ``file_errors``."""
    if kind not in KINDS:
        raise InvalidInput("Unknown import.", {"kind": "Choose enterprises or people."})
    preview = Preview(kind=kind, filename=filename, rows=[])
    if max_bytes is not None and len(data) > max_bytes:
        preview.file_errors.append(Msg("The file is larger than {limit} MB.", limit=max_bytes // (1024 * 1024)))
        return preview
    try:
        rows = read_rows(data, filename)
        header = next(rows, None)
        if header is None:
            preview.file_errors.append(Msg("The file is empty."))
            return preview
        columns = header_columns(header[1], COLUMNS[kind])
        missing = [c for c in REQUIRED[kind] if c not in columns]
        if missing:
            preview.file_errors.append(Msg("Missing columns: {columns}.", columns=", ".join(missing)))
            return preview
        for line, cells in rows:
            values = {c: "" for c in COLUMNS[kind]}
            for name, cell in zip(columns, cells, strict=False):
                if name is not None:
                    values[name] = cell
            preview.rows.append(Row(line=line, values=values))
    except InvalidInput as exc:
        preview.file_errors.extend(exc.errors.values() or [exc.message])
    return preview


# --- checking ------------------------------------------------------------------------------
def check(session: Session, preview: Preview, progress: Callable[[int], None] | None = None) -> Preview:
    """Match and check every row against the database (nothing written)."""
    checker = _check_enterprises if preview.kind == "enterprises" else _check_people
    seen = _Seen()
    for start in range(0, len(preview.rows), CHUNK):
        checker(session, preview.rows[start:start + CHUNK], seen)
        if progress is not None:
            progress(min(start + CHUNK, len(preview.rows)))
    return preview


@dataclass
class _Seen:
    """Keys of earlier rows of the file, to catch a row that repeats another."""

    keys: dict[tuple[str, str], int] = field(default_factory=dict)

    def claim(self, row: Row, key: tuple[str, str]) -> None:
        if not key[1]:
            return
        first = self.keys.setdefault(key, row.line)
        if first != row.line:
            row.errors.setdefault(key[0], Msg("Also on line {line}.", line=first))


def _active(row: Row) -> bool | None:
    text = row.values.get("active", "").strip().lower()
    if text in _YES:
        return True if text else None
    if text in _NO:
        return False
    errors = row.errors
    errors["active"] = "Write yes or no."
    return None


def _service_errors(row: Row, exc: InvalidInput) -> None:
    for name, message in exc.errors.items():
        row.errors.setdefault(_FIELD_COLUMN.get(name, name), message)
    if not exc.errors:
        row.errors.setdefault("row", exc.message)


def _check_enterprises(session: Session, rows: list[Row], seen: _Seen) -> None:
    codes = [normalize_credit_code(r.values["credit_code"]) for r in rows]
    by_code = enterprise_repo.enterprises_by_credit_codes(session, [c for c in codes if c])
    by_name = enterprise_repo.enterprises_by_names(session, [r.values["name"].strip() for r in rows])
    buildings = {b.code: b for b in building_repo.buildings(session)}
    for row, code in zip(rows, codes, strict=True):
        name = row.values["name"].strip()
        seen.claim(row, ("name", name))
        seen.claim(row, ("credit_code", code))
        current = by_code.get(code) if code else None
        current = current or by_name.get(name)
        building = buildings.get(row.values["building"].strip())
        if row.values["building"].strip() and building is None:
            row.errors["building"] = Msg("There is no building with the code {code}.", code=row.values["building"])
        active = _active(row)
        data = enterprise_service.EnterpriseInput(
            name=name, credit_code=code, building_id=building.id if building else None, floor=row.values["floor"],
            active=(current.active if current else True) if active is None else active,
        )
        try:
            values = enterprise_service.validate(session, data, current)
        except InvalidInput as exc:
            _service_errors(row, exc)
            values = None
        _settle(row, current, values)


def _check_people(session: Session, rows: list[Row], seen: _Seen) -> None:
    existing = people_repo.people_by_usernames(session, [r.values["username"].strip() for r in rows])
    enterprise_keys = [r.values["enterprise"].strip() for r in rows if r.values["enterprise"].strip()]
    enterprises = enterprise_repo.enterprises_by_names(session, enterprise_keys)
    enterprises.update(enterprise_repo.enterprises_by_credit_codes(
        session, [normalize_credit_code(k) for k in enterprise_keys if k not in enterprises]))
    departments = {d.code: d for d in department_repo.departments(session)}
    for row in rows:
        username = row.values["username"].strip()
        seen.claim(row, ("username", username))
        current = existing.get(username)
        roles = _roles(row)
        enterprise_key = row.values["enterprise"].strip()
        enterprise = enterprises.get(enterprise_key) or enterprises.get(normalize_credit_code(enterprise_key))
        if enterprise_key and enterprise is None:
            row.errors["enterprise"] = Msg("There is no enterprise named {name}.", name=enterprise_key)
        department = departments.get(row.values["department"].strip())
        if row.values["department"].strip() and department is None:
            row.errors["department"] = Msg("There is no department with the code {code}.", code=row.values["department"])
        active = _active(row)
        data = people_service.PersonInput(
            username=username, display_name=row.values["display_name"], roles=roles, phone=row.values["phone"],
            email=row.values["email"], enterprise_id=enterprise.id if enterprise else None,
            department_id=department.id if department else None,
        )
        try:
            values = people_service.validate(session, data, current)
        except InvalidInput as exc:
            _service_errors(row, exc)
            values = None
        if values is not None:
            values["roles"] = sorted(values["roles"])
            values["active"] = (current.active if current else True) if active is None else active
        _settle(row, current, values, person=True)


def _roles(row: Row) -> set[str]:
    roles: set[str] = set()
    for word in _ROLE_SPLIT.split(row.values["roles"].strip()):
        if not word:
            continue
        role = ROLE_ALIASES.get(word) or (Role(word.lower()) if word.lower() in Role.__members__ else None)
        if role is None:
            row.errors["roles"] = Msg("Unknown role: {role}.", role=word)
        else:
            roles.add(role.value)
    return roles


def _settle(row: Row, current, values: dict | None, *, person: bool = False) -> None:
    if row.errors or values is None:
        row.action = "error"
        return
    row.target_id = current.id if current is not None else None
    if current is None:
        row.action = "create"
        return
    now = audit.snapshot(current)
    if person:
        now["roles"] = sorted(current.roles)
    row.action = "unchanged" if all(now.get(k) == _plain(v) for k, v in values.items()) else "update"


def _plain(value):
    return value.value if hasattr(value, "value") else value


# --- writing -------------------------------------------------------------------------------
def apply(session: Session, actor: Person | None, preview: Preview) -> dict[str, int]:
    """Check again and write every row, or raise :class:`ImportRejected` (the caller's
    transaction then rolls back: all or nothing). Returns the counts."""
    fresh = Preview(kind=preview.kind, filename=preview.filename, file_errors=list(preview.file_errors),
                    rows=[Row(line=r.line, values=dict(r.values)) for r in preview.rows])
    check(session, fresh)
    for seen, row in zip(preview.rows, fresh.rows, strict=True):
        # The admin confirmed "create this" or "update that one": not something else.
        if seen.action != "error" and row.action != "error" and seen.target_id != row.target_id:
            row.action, errors = "error", row.errors
            errors["row"] = "This row matches something else than in the preview: upload the file again."
    if not fresh.ok:
        raise ImportRejected(fresh)
    writer = _write_enterprise if fresh.kind == "enterprises" else _write_person
    lookups = _Lookups(
        buildings={b.code: b for b in building_repo.buildings(session)},
        departments={d.code: d for d in department_repo.departments(session)},
    )
    for row in fresh.rows:
        if row.action == "unchanged":
            continue
        try:
            writer(session, actor, row, lookups)
        except LianxinError as exc:
            # A rule only the write itself can see (e.g. an admin dropping their own role).
            row.action = "error"
            row.errors["row"] = exc.message if not exc.params else Msg(exc.message, **exc.params)
            raise ImportRejected(fresh) from exc
    counts = fresh.counts
    audit.record(session, actor, entity="import", action="import", label=fresh.filename,
                 after={"kind": fresh.kind, **counts}, note=f"{fresh.kind}: {fresh.filename}")
    return counts


@dataclass
class _Lookups:
    buildings: dict[str, Building]
    departments: dict[str, Department]


def _write_enterprise(session: Session, actor: Person | None, row: Row, lookups: _Lookups) -> None:
    building = lookups.buildings.get(row.values["building"].strip())
    active = _active(row)
    current = enterprise_service.get(session, row.target_id) if row.target_id else None
    data = enterprise_service.EnterpriseInput(
        name=row.values["name"], credit_code=row.values["credit_code"], building_id=building.id if building else None,
        floor=row.values["floor"], active=(current.active if current else True) if active is None else active,
    )
    if current is None:
        enterprise_service.create(session, actor, data)
    else:
        enterprise_service.update(session, actor, current, data)


def _write_person(session: Session, actor: Person | None, row: Row, lookups: _Lookups) -> None:
    enterprise_key = row.values["enterprise"].strip()
    enterprise = None
    if enterprise_key:
        enterprise = enterprise_repo.enterprise_by_name(session, enterprise_key) or enterprise_repo.enterprise_by_credit_code(
            session, normalize_credit_code(enterprise_key))
    department = lookups.departments.get(row.values["department"].strip())
    data = people_service.PersonInput(
        username=row.values["username"], display_name=row.values["display_name"], roles=_roles(row),
        phone=row.values["phone"], email=row.values["email"], enterprise_id=enterprise.id if enterprise else None,
        department_id=department.id if department else None,
    )
    active = _active(row)
    if row.target_id is None:
        person = people_service.create(session, actor, data)
    else:
        person = people_service.update(session, actor, people_service.get(session, row.target_id), data)
    if active is not None:
        people_service.set_active(session, actor, person, active)


def errors_of(preview: Preview) -> Iterable[tuple[int, str, str]]:
    """(line, column, message) for every row error, in file order."""
    for row in preview.rows:
        for column, message in row.errors.items():
            yield row.line, column, message
