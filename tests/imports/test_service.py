"""Bulk import: reading CSV (UTF-8, BOM, GB18030) and XLSX, the preview that writes nothing,
updates matched by key, and all-or-nothing writing with audit entries."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from server.enterprises.credit_code import make_credit_code
from server.enums import Role
from server.imports import service as bulk_import
from server.imports.files import template_csv, template_xlsx
from server.models import AuditEntry, Enterprise, Person

CODE_3 = make_credit_code("440305", "MA5F3K7W")
CODE_4 = make_credit_code("110108", "12345678")


def _csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def _preview(database, kind: str, data: bytes, filename: str = "f.csv") -> bulk_import.Preview:
    preview = bulk_import.parse(kind, data, filename)
    with database.read() as session:
        return bulk_import.check(session, preview)


def _count(database, model) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_preview_creates_and_updates_and_writes_nothing(database, world):
    data = _csv(f"name,credit_code,building,floor\n三号企业,{CODE_3},A1,2\n一号企业,{CODE_4},A1,3\n")
    before = _count(database, Enterprise)
    preview = _preview(database, "enterprises", data)
    assert [(r.line, r.action) for r in preview.rows] == [(2, "create"), (3, "update")]
    assert preview.ok and _count(database, Enterprise) == before
    assert _count(database, AuditEntry) == 0


def test_errors_have_line_numbers_and_nothing_is_written(database, world, admin):
    wrong = CODE_3[:17] + ("0" if CODE_3[17] != "0" else "1")
    data = _csv(f"name,credit_code,building,floor\n三号企业,{CODE_3},A1,2\n\n四号企业,{wrong},A1,2\n五号企业,,Z9,1\n"
                f"三号企业,,A1,99\n")
    preview = _preview(database, "enterprises", data)
    errors = {(line, column) for line, column, _ in bulk_import.errors_of(preview)}
    assert errors == {(4, "credit_code"), (5, "building"), (6, "name"), (6, "floor")}
    before = _count(database, Enterprise)
    with pytest.raises(bulk_import.ImportRejected) as caught, database.write() as session:
        bulk_import.apply(session, admin, preview)
    assert not caught.value.preview.ok
    assert _count(database, Enterprise) == before
    assert _count(database, AuditEntry) == 0


def test_apply_writes_all_with_audit(database, world, admin):
    data = _csv(f"名称,统一社会信用代码,楼宇,楼层\n三号企业,{CODE_3},A1,2\n一号企业,{CODE_4},A1,3\n二号企业,,A1,3\n")
    preview = _preview(database, "enterprises", data)
    assert preview.counts == {"create": 1, "update": 1, "unchanged": 1, "error": 0}
    with database.write() as session:
        counts = bulk_import.apply(session, admin, preview)
    assert counts["create"] == 1 and counts["update"] == 1
    with database.read() as session:
        one = session.scalar(select(Enterprise).where(Enterprise.name == "一号企业"))
        assert one.credit_code == CODE_4 and one.floor == "3"
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.entity, e.action) for e in entries] == [
            ("enterprise", "create"), ("enterprise", "update"), ("import", "import")]
        assert entries[1].before["floor"] == "2" and entries[1].after["floor"] == "3"


def test_bom_and_gb18030(database, world):
    text = f"name,credit_code,building,floor\n三号企业,{CODE_3},A1,2\n"
    for data in (b"\xef\xbb\xbf" + text.encode(), text.encode("gb18030")):
        preview = _preview(database, "enterprises", data)
        assert preview.ok and preview.rows[0].values["name"] == "三号企业"


def test_missing_columns_and_bad_files(database):
    assert _preview(database, "people", b"username,phone\nx,1\n").file_errors
    assert _preview(database, "people", b"", "f.csv").file_errors
    assert _preview(database, "people", b"not a zip", "f.xlsx").file_errors
    assert _preview(database, "people", b"x", "f.pdf").file_errors
    assert bulk_import.parse("people", b"x" * 100, "f.csv", max_bytes=10).file_errors


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_people_from_xlsx(database, world, admin):
    data = _xlsx([
        ["username", "display_name", "phone", "email", "roles", "enterprise", "department", "active"],
        ["newbie", "新人", 13900000001, "", "member;contact", "一号企业", "", ""],
        ["member1", "王一", "", "", "member", "二号企业", "", ""],
        ["lead9", "负责人", "", "", "部门负责人", "", "legal", "yes"],
        ["member2", "王二", "", "", "member", "", "", "no"],
    ])
    preview = _preview(database, "people", data, "people.xlsx")
    assert preview.ok, list(bulk_import.errors_of(preview))
    assert [r.action for r in preview.rows] == ["create", "update", "create", "update"]
    with database.write() as session:
        bulk_import.apply(session, admin, preview)
    with database.read() as session:
        newbie = session.scalar(select(Person).where(Person.username == "newbie"))
        assert newbie.phone == "13900000001" and newbie.roles == {Role.member, Role.contact}
        assert newbie.must_change_password
        lead = session.scalar(select(Person).where(Person.username == "lead9"))
        assert lead.roles == {Role.lead, Role.staff}
        assert not session.scalar(select(Person).where(Person.username == "member2")).active
        member1 = session.scalar(select(Person).where(Person.username == "member1"))
        assert member1.display_name == "王一" and member1.enterprise_id == world["member2"].enterprise_id


def test_people_errors(database, world):
    data = _csv("username,display_name,roles,enterprise,department\n"
                "a b,Name,member,,\n"
                "x1,,member,,\n"
                "x2,X,wizard,,\n"
                "x3,X,staff,,\n"
                "x4,X,contact,无此企业,\n"
                "x5,X,staff,,nowhere\n"
                "x6,X,member,,\n"
                "x6,X,member,,\n")
    preview = _preview(database, "people", data)
    errors = {(line, column) for line, column, _ in bulk_import.errors_of(preview)}
    assert errors == {(2, "username"), (3, "display_name"), (4, "roles"), (5, "department"),
                      (6, "enterprise"), (7, "department"), (9, "username")}


def test_preview_survives_json(database, world):
    preview = _preview(database, "people", _csv("username,display_name,roles\nx,,member\n"))
    again = bulk_import.Preview.from_json(preview.to_json())
    assert again.rows[0].errors == preview.rows[0].errors and again.rows[0].action == "error"


def test_rows_changed_since_preview_are_checked_again(database, world, admin):
    preview = _preview(database, "enterprises", _csv(f"name,credit_code\n三号企业,{CODE_3}\n四号企业,\n"))
    assert preview.ok
    with database.write() as session:
        session.add(Enterprise(name="别的企业", credit_code=CODE_3))
    with pytest.raises(bulk_import.ImportRejected) as caught, database.write() as session:
        bulk_import.apply(session, admin, preview)
    assert [(line, column) for line, column, _ in bulk_import.errors_of(caught.value.preview)] == [(2, "row")]
    with database.read() as session:
        assert session.scalar(select(Enterprise).where(Enterprise.name == "四号企业")) is None


def test_enterprise_template_example_is_valid(database, world):
    columns, example = bulk_import.COLUMNS["enterprises"], bulk_import.EXAMPLES["enterprises"]
    assert _preview(database, "enterprises", template_csv(columns, example)).ok


@pytest.mark.parametrize("kind", bulk_import.KINDS)
def test_templates_parse_back(database, world, kind):
    columns, example = bulk_import.COLUMNS[kind], bulk_import.EXAMPLES[kind]
    csv_preview = bulk_import.parse(kind, template_csv(columns, example), "t.csv")
    assert csv_preview.rows[0].values == example
    sheet = load_workbook(io.BytesIO(template_xlsx(columns, example))).active
    assert [c.value for c in sheet[1]] == list(columns)
