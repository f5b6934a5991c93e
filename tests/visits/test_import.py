"""Importing the visit plan: preview every row, then all or nothing."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook

from server.models import VisitPlan
from tests.requests.pages.requester_helpers import client_for, token
from tests.visits.helpers import enterprise_id


def _csv(text: str) -> bytes:
    return ("\ufeff" + text).encode("utf-8")


def test_the_plan_is_previewed_then_imported(app, world, database):
    admin = client_for(app, "admin1")
    csrf = token(admin, "/visits/import")
    body = _csv("企业,走访频次,负责部门,负责人,开始日期,备注\n一号企业,每月,union,staff1,2027-01-04,重点企业\n二号企业,,legal,,,\n")
    response = admin.post("/visits/import", data={"csrf_token": csrf}, files={"file": ("plan.csv", body, "text/csv")},
                          follow_redirects=False)
    assert response.status_code == 303, response.text
    preview = admin.get(response.headers["location"])
    assert preview.status_code == 200 and "重点企业" in preview.text
    with database.read() as session:
        assert session.query(VisitPlan).count() == 0  # nothing written yet
    done = admin.post(response.headers["location"] + "/confirm", data={"csrf_token": csrf})
    assert done.status_code == 200
    with database.read() as session:
        plans = {p.enterprise_id: p for p in session.query(VisitPlan)}
    first = plans[enterprise_id(database, "一号企业")]
    assert first.frequency_months == 1 and first.responsible_department_id == world.departments["union"].id
    assert first.note == "重点企业" and first.starts_on.isoformat() == "2027-01-04"
    assert plans[enterprise_id(database, "二号企业")].frequency_months is None


def test_a_file_with_a_bad_row_writes_nothing(app, world, database):
    admin = client_for(app, "admin1")
    csrf = token(admin, "/visits/import")
    workbook = Workbook()
    workbook.active.append(["enterprise", "frequency", "department"])
    workbook.active.append(["一号企业", "monthly", "union"])
    workbook.active.append(["没有这家", "weekly", "nope"])
    workbook.active.append(["一号企业", "yearly", ""])
    out = io.BytesIO()
    workbook.save(out)
    response = admin.post("/visits/import", data={"csrf_token": csrf}, files={"file": ("plan.xlsx", out.getvalue())},
                          follow_redirects=False)
    preview = admin.get(response.headers["location"])
    errors = re.search(r'id="import-error-list">.*?</ul>', preview.text, re.S).group(0)
    assert "没有这家" in errors and "nope" in errors and "monthly" in errors and "第 2 行" in errors
    assert "/confirm" not in preview.text
    refused = admin.post(response.headers["location"] + "/confirm", data={"csrf_token": csrf})
    assert refused.status_code == 422
    with database.read() as session:
        assert session.query(VisitPlan).count() == 0


def test_only_dispatchers_and_admins_import_and_bad_files_are_refused(app, world, database):
    staff = client_for(app, "staff1")
    assert staff.get("/visits/import").status_code == 403
    admin = client_for(app, "admin1")
    csrf = token(admin, "/visits/import")
    assert admin.post("/visits/import", data={"csrf_token": csrf}, files={"file": ("x.txt", b"\xff\xfe\x00")}).status_code == 422
    no_column = admin.post("/visits/import", data={"csrf_token": csrf}, files={"file": ("x.csv", b"name\nfoo\n")})
    assert no_column.status_code == 422 and "enterprise" in no_column.text
    assert admin.get("/visits/import/template.csv").content.startswith(b"\xef\xbb\xbfenterprise,frequency")
    assert admin.get("/visits/import/not-a-token-at-all-aaaaaaaaaa").status_code == 404
    # Someone else's preview is not theirs to confirm.
    response = admin.post("/visits/import", data={"csrf_token": csrf},
                          files={"file": ("p.csv", _csv("enterprise\n一号企业\n"))}, follow_redirects=False)
    other = client_for(app, "dispatcher1")
    assert other.get(response.headers["location"]).status_code == 404
