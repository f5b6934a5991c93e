"""The department table as CSV and XLSX: the dashboard's rows and filters, the same scope (a
lead exports their department only), a 403 for everyone else."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

WEEK = "period=custom&from=2026-11-02&to=2026-11-08"


def read_csv(response) -> list[list[str]]:
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_a_supervisor_exports_every_department_as_csv(as_user, week):
    response = as_user("supervisor1").get(f"/supervision/departments.csv?{WEEK}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "departments-2026-11-02-2026-11-08.csv" in response.headers["content-disposition"]
    rows = read_csv(response)
    assert rows[0][:4] == ["编码", "部门", "当前在办", "已提交"] and rows[0][5] == "响应率 (%)"
    by_code = {r[0]: r for r in rows[1:]}
    assert set(by_code) == {"union", "legal", "care"}
    assert by_code["union"][1:] == ["union部", "2", "4", "3", "50.0", "75.0", "95.0", "100.0", "2.5", "0", "1", "3", "80.5"]
    assert by_code["legal"][5] == ""  # no figure: an empty cell, never 0


def test_the_xlsx_has_the_same_numbers(as_user, week):
    response = as_user("supervisor1").get(f"/supervision/departments.xlsx?{WEEK}&department=union")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert len(rows) == 2 and rows[1][:4] == ["union", "union部", 2, 4] and rows[1][-1] == 80.5


def test_a_lead_exports_their_own_department_only(as_user, week):
    client = as_user("lead1")
    rows = read_csv(client.get(f"/supervision/departments.csv?{WEEK}"))
    assert [r[0] for r in rows[1:]] == ["union"]
    assert client.get(f"/supervision/departments.csv?{WEEK}&department=legal").status_code == 403


@pytest.mark.parametrize("username", ["staff1", "member1", "dispatcher1"])
def test_others_may_not_export(as_user, username):
    assert as_user(username).get("/supervision/departments.xlsx").status_code == 403


def test_bad_dates_are_a_422_not_a_file(as_user):
    response = as_user("supervisor1").get("/supervision/departments.csv?from=2026-02-30")
    assert response.status_code == 422 and "text/html" in response.headers["content-type"]


def test_the_dashboard_links_to_both_files_with_its_filters(as_user, week):
    html = as_user("supervisor1").get(f"/supervision?{WEEK}&department=union").text
    query = "period=custom&amp;from=2026-11-02&amp;to=2026-11-08&amp;department=union"
    assert f'href="/supervision/departments.csv?{query}"' in html
    assert f'href="/supervision/departments.xlsx?{query}"' in html
