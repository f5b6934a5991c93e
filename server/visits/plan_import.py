"""Bulk import of the visit plan from CSV or XLSX, in the two steps of every import
(``server/imports``): :func:`preview` reads and checks every row without writing (each row
becomes "create", "update", "unchanged" or "error"); :func:`apply` checks again and, only when
no row has an error, writes them all through ``visits.service.set_plan`` in the caller's one
transaction, else raises ``ImportRejected`` and nothing is written.

Columns: ``enterprise`` (its name or credit code, required), ``frequency`` (monthly, quarterly,
half_yearly, yearly, 每月 …, or months; empty: the default), ``department`` (the responsible
department's code), ``responsible`` (a username), ``starts_on`` (YYYY-MM-DD), ``note``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from server.accounts import people_repository
from server.departments import repository as department_repo
from server.enterprises import repository as enterprise_repo
from server.enterprises.credit_code import normalize_credit_code
from server.errors import InvalidInput, Msg
from server.imports.files import header_columns, read_rows
from server.imports.service import ImportRejected, Preview, Row
from server.models import Person
from server.visits import repository
from server.visits import service as visit_service

KIND = "visit_plan"
COLUMNS = ("enterprise", "frequency", "department", "responsible", "starts_on", "note")
EXAMPLE = {"enterprise": "示例科技有限公司", "frequency": "quarterly", "department": "centre", "responsible": "staff1",
           "starts_on": "2027-01-04", "note": "重点企业"}
# Headers people write in Chinese (the shared import aliases know 企业 and 部门 already).
ALIASES = {
    "走访频次": "frequency", "频次": "frequency", "頻次": "frequency", "走訪頻次": "frequency",
    "负责部门": "department", "負責部門": "department", "负责人": "responsible", "負責人": "responsible",
    "开始日期": "starts_on", "開始日期": "starts_on", "首次走访": "starts_on", "备注": "note", "備註": "note",
    "企业名称": "enterprise", "企業名稱": "enterprise",
}


def parse(data: bytes, filename: str, *, max_bytes: int | None = None) -> Preview:
    """The file's rows as raw values; file-level problems land in ``file_errors``."""
    preview = Preview(kind=KIND, filename=filename, rows=[])
    if max_bytes is not None and len(data) > max_bytes:
        preview.file_errors.append(Msg("The file is larger than {limit} MB.", limit=max_bytes // (1024 * 1024)))
        return preview
    try:
        rows = read_rows(data, filename)
        header = next(rows, None)
        if header is None:
            preview.file_errors.append(Msg("The file is empty."))
            return preview
        columns = header_columns([ALIASES.get(c.strip(), c) for c in header[1]], COLUMNS)
        if "enterprise" not in columns:
            preview.file_errors.append(Msg("Missing columns: {columns}.", columns="enterprise"))
            return preview
        for line, cells in rows:
            values = {c: "" for c in COLUMNS}
            for name, cell in zip(columns, cells, strict=False):
                if name is not None:
                    values[name] = cell
            preview.rows.append(Row(line=line, values=values))
    except InvalidInput as exc:
        preview.file_errors.extend(exc.errors.values() or [exc.message])
    return preview


# Which import column each of the plan's fields belongs to.
_FIELD_COLUMN = {"responsible_department_id": "department", "responsible_person_id": "responsible"}


def check(session: Session, preview: Preview) -> Preview:
    """Match and check every row (nothing written)."""
    keys = [r.values["enterprise"].strip() for r in preview.rows]
    by_name = enterprise_repo.enterprises_by_names(session, keys)
    by_code = enterprise_repo.enterprises_by_credit_codes(session, [normalize_credit_code(k) for k in keys if k not in by_name])
    departments = {d.code: d for d in department_repo.departments(session)}
    people = people_repository.people_by_usernames(session, [r.values["responsible"].strip() for r in preview.rows])
    plans = repository.plans_by_enterprise(session, [e.id for e in [*by_name.values(), *by_code.values()]])
    seen: dict[int, int] = {}
    for row, key in zip(preview.rows, keys, strict=True):
        row.errors, row.action, row.target_id = {}, "create", None
        enterprise = by_name.get(key) or by_code.get(normalize_credit_code(key))
        if not key:
            row.errors["enterprise"] = Msg("Please fill this in.")
        elif enterprise is None:
            row.errors["enterprise"] = Msg("There is no enterprise named {name}.", name=key)
        else:
            first = seen.setdefault(enterprise.id, row.line)
            if first != row.line:
                row.errors["enterprise"] = Msg("Also on line {line}.", line=first)
        code = row.values["department"].strip()
        department = departments.get(code)
        if code and department is None:
            row.errors["department"] = Msg("There is no department with the code {code}.", code=code)
        username = row.values["responsible"].strip()
        person = people.get(username)
        if username and person is None:
            row.errors["responsible"] = Msg("There is no account {username}.", username=username)
        data = visit_service.PlanInput(
            frequency=row.values["frequency"], responsible_department_id=department.id if department else None,
            responsible_person_id=person.id if person else None, starts_on=row.values["starts_on"],
            note=row.values["note"],
        )
        try:
            values = visit_service.validate_plan(session, data)
        except InvalidInput as exc:
            for name, message in exc.errors.items():
                row.errors.setdefault(_FIELD_COLUMN.get(name, name), message)
            values = None
        if row.errors or values is None or enterprise is None:
            row.action = "error"
            continue
        row.target_id = enterprise.id
        plan = plans.get(enterprise.id)
        if plan is not None:
            row.action = "unchanged" if all(getattr(plan, k) == v for k, v in values.items()) else "update"
    return preview


def apply(session: Session, actor: Person, preview: Preview) -> dict[str, int]:
    """Check again and write every row, or raise ImportRejected (all or nothing)."""
    fresh = Preview(kind=KIND, filename=preview.filename, file_errors=list(preview.file_errors),
                    rows=[Row(line=r.line, values=dict(r.values)) for r in preview.rows])
    check(session, fresh)
    if not fresh.ok:
        raise ImportRejected(fresh)
    departments = {d.code: d for d in department_repo.departments(session)}
    for row in fresh.rows:
        if row.action == "unchanged":
            continue
        department = departments.get(row.values["department"].strip())
        person = people_repository.person_by_username(session, row.values["responsible"].strip()) if row.values["responsible"].strip() else None
        visit_service.set_plan(session, actor, row.target_id, visit_service.PlanInput(
            frequency=row.values["frequency"], responsible_department_id=department.id if department else None,
            responsible_person_id=person.id if person else None, starts_on=row.values["starts_on"],
            note=row.values["note"],
        ))
    return fresh.counts
