"""A department's staff table and the month's red and black list, as supervisors and leads
read them."""

from __future__ import annotations

import re
from datetime import date

from server.metrics import service as metrics

WEEK = "period=custom&from=2026-11-02&to=2026-11-08"


def staff_rows(html: str) -> dict[str, list[str]]:
    table = re.search(r'<section class="sv-section" aria-labelledby="sv-staff">.*?</section>', html, re.S).group(0)
    return {
        re.search(r'<th scope="row">([^<]*)</th>', row).group(1): re.findall(r'<td class="num">([^<]*)</td>', row)
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    }


def test_a_supervisor_sees_a_departments_staff(as_user, week):
    page = as_user("supervisor1").get(f"/supervision/staff?{WEEK}&department=union")
    assert page.status_code == 200
    rows = staff_rows(page.text)
    assert set(rows) == {"Staff1", "Staff2", "Lead1"}
    # open now, completed, response, resolution, satisfaction, on time, rating, composite
    assert rows["Staff1"][:3] == ["0", "2", "50.0%"]
    assert rows["Staff2"][0] == "1"
    assert rows["Lead1"] == ["0", "0", "—", "—", "—", "—", "—", "—"]


def test_a_lead_sees_their_own_staff_and_no_other_department(as_user, week):
    client = as_user("lead1")
    assert set(staff_rows(client.get(f"/supervision/staff?{WEEK}").text)) == {"Staff1", "Staff2", "Lead1"}
    assert client.get(f"/supervision/staff?{WEEK}&department=legal").status_code == 403
    assert as_user("staff1").get("/supervision/staff?department=union").status_code == 403


def test_the_staff_table_asks_for_a_department_first(as_user):
    # Opened from the menu: the department picker with a hint, not an error.
    page = as_user("supervisor1").get("/supervision/staff")
    assert page.status_code == 200 and "请选择部门" in page.text and 'name="department"' in page.text
    assert 'role="alert"' not in page.text
    assert as_user("supervisor1").get("/supervision/staff?department=nowhere").status_code == 422


def _fake_red_black(world):
    def row(code, composite):
        return metrics.RedBlackRow(
            department_id=world.departments[code].id, code=code, volume=7, composite=composite, overdue=1,
            satisfaction=0.9, response=None, return_rate=0.25, rework_rate=0.0, on_time=1.0,
        )

    def fake(session, month, *, now):
        return metrics.RedBlack(month.replace(day=1), red=[row("union", 91.5)], black=[row("legal", 40.0)])

    return fake


def test_the_red_and_black_list_shows_the_figures_behind_each_place(as_user, world, monkeypatch):
    asked = []
    fake = _fake_red_black(world)
    monkeypatch.setattr(metrics, "red_black", lambda s, m, now: asked.append(m) or fake(s, m, now=now))
    html = as_user("supervisor1").get("/supervision/redblack?month=2026-11").text
    assert asked == [date(2026, 11, 1)]
    red = re.search(r'<section class="sv-section sv-red".*?</section>', html, re.S).group(0)
    black = re.search(r'<section class="sv-section sv-black".*?</section>', html, re.S).group(0)
    assert "union" in red and "legal" not in red and "legal" in black
    assert ">91.5<" in red and ">90.0%<" in red and ">25.0%<" in red and ">—<" in red
    assert 'href="/requests?from=2026-11-01&amp;to=2026-11-30&amp;department=union"' in red
    assert 'href="/supervision/redblack?month=2026-10"' in html


def test_a_lead_sees_only_their_own_place_on_the_list(as_user, world, monkeypatch):
    monkeypatch.setattr(metrics, "red_black", _fake_red_black(world))
    html = as_user("lead1").get("/supervision/redblack?month=2026-11").text
    assert "union" in html and ">40.0<" not in html


def test_a_bad_month_is_a_422_page(as_user):
    page = as_user("supervisor1").get("/supervision/redblack?month=2026-13")
    assert page.status_code == 422 and "YYYY-MM" in page.text
    assert as_user("member1").get("/supervision/redblack").status_code == 403
