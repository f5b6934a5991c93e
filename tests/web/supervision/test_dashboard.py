"""The supervision dashboard /supervision: who sees what, the figures of the hand-worked week
(tests/metrics/scenario.py) as a person reads them, "—" for no figure, the filters in the URL,
and a clear 422 page for bad input."""

from __future__ import annotations

import re
from html import unescape

import pytest

WEEK = "period=custom&from=2026-11-02&to=2026-11-08"


def figure(html: str, label: str) -> str:
    """The value shown for the headline figure labelled ``label``."""
    match = re.search(rf"<dt>{re.escape(label)}</dt>\s*<dd>\s*<a class=\"sv-value\" href=\"([^\"]*)\"[^>]*>([^<]*)</a>", html)
    assert match, f"no figure {label}"
    return match.group(2)


def department_rows(html: str) -> dict[str, list[str]]:
    table = re.search(r'<section class="sv-section" aria-labelledby="sv-departments">.*?</section>', html, re.S).group(0)
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
        name = re.search(r'<th scope="row"><a [^>]*>([^<]*)</a>', row).group(1)
        rows[name] = [unescape(c) for c in re.findall(r"<td class=\"num\"><a [^>]*>([^<]*)</a></td>", row)]
    return rows


def test_a_supervisor_sees_the_week_and_every_department(as_user, week):
    page = as_user("supervisor1").get(f"/supervision?{WEEK}")
    assert page.status_code == 200
    html = page.text
    assert figure(html, "综合成绩") == "80.5"
    assert figure(html, "响应率") == "50.0%"
    assert figure(html, "解决率") == "75.0%"
    assert figure(html, "满意率") == "95.0%"
    assert figure(html, "按时办结率") == "100.0%"
    assert figure(html, "已提交") == "6"
    rows = department_rows(html)
    assert set(rows) == {"union部", "legal部", "care部"}  # the factories name departments "<code>部"
    # load, submitted, completed, response, resolution, satisfaction, on time, rating, returns, reworks, overdue, composite
    assert rows["union部"] == ["2", "4", "3", "50.0%", "75.0%", "95.0%", "100.0%", "2.50", "0", "1", "3", "80.5"]
    assert rows["legal部"][1] == "0" and rows["legal部"][3] == "—" and rows["legal部"][-1] == "—"
    assert 'href="/supervision/staff?period=custom&amp;from=2026-11-02&amp;to=2026-11-08&amp;department=union"' in html
    assert 'href="/supervision/overdue"' in html


def test_the_change_against_the_previous_period_is_a_dash_when_there_was_none(as_user, week):
    html = as_user("supervisor1").get(f"/supervision?{WEEK}").text
    composite = re.search(r"<dt>综合成绩</dt>.*?</dd>", html, re.S).group(0)
    assert "—" in composite and "+80.5" not in composite
    submitted = re.search(r"<dt>已提交</dt>.*?</dd>", html, re.S).group(0)
    assert "+6" in submitted


def test_an_empty_period_shows_dashes_never_zero_rates(as_user, week):
    html = as_user("supervisor1").get("/supervision?period=custom&from=2026-01-01&to=2026-01-31").text
    for label in ("综合成绩", "响应率", "解决率", "满意率", "按时办结率"):
        assert figure(html, label) == "—", label
    assert figure(html, "已提交") == "0"
    assert "0.0%" not in section_of(html, "sv-headline")


def section_of(html: str, heading_id: str) -> str:
    return re.search(rf'<section class="sv-section" aria-labelledby="{heading_id}">.*?</section>', html, re.S).group(0)


def test_a_lead_sees_their_own_department_only(as_user, week):
    client = as_user("lead1")
    html = client.get(f"/supervision?{WEEK}").text
    assert set(department_rows(html)) == {"union部"}
    assert figure(html, "已提交") == "4"  # union's requests, not the centre's 6
    # The department is fixed: the choice offers theirs only.
    assert re.search(r'<option value="union" selected>', html) and 'value="legal"' not in html
    assert client.get(f"/supervision?{WEEK}&department=union").status_code == 200
    refused = client.get(f"/supervision?{WEEK}&department=legal")
    assert refused.status_code == 403 and "<header" in refused.text


@pytest.mark.parametrize("username", ["staff1", "member1", "contact1", "dispatcher1"])
def test_everyone_else_gets_the_403_page_in_the_layout(as_user, username):
    page = as_user(username).get("/supervision")
    assert page.status_code == 403
    assert '<header class="site-header">' in page.text and "sv-figures" not in page.text


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/supervision", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=/supervision")


def test_the_filters_round_trip_through_the_url(as_user, world, week):
    url = f"/supervision?{WEEK}&department=union&category=mass&service=union.join&building=A1&enterprise={world['member1'].enterprise_id}"
    html = as_user("supervisor1").get(url).text
    for name, value in (("department", "union"), ("category", "mass"), ("service", "union.join"), ("building", "A1"),
                        ("enterprise", str(world["member1"].enterprise_id))):
        select = re.search(rf'<select id="field-{name}" name="{name}".*?</select>', html, re.S).group(0)
        assert f'<option value="{value}" selected>' in select, name
    assert 'value="custom" checked' in html
    assert 'name="from" type="date" value="2026-11-02"' in html and 'name="to" type="date" value="2026-11-08"' in html
    # Links to the finder carry the same filters.
    submitted = re.search(r'<dt>已提交</dt>\s*<dd>\s*<a class="sv-value" href="([^"]*)"', html).group(1)
    assert unescape(submitted) == (
        f"/requests?from=2026-11-02&to=2026-11-08&department=union&category=mass&service=union.join&building=A1"
        f"&enterprise={world['member1'].enterprise_id}"
    )
    # member1's union requests of the week: R1, R2, R6; the table narrowed to the department.
    assert figure(html, "已提交") == "3"
    assert set(department_rows(html)) == {"union部"}


def test_a_named_period_overrides_stray_dates(as_user, week):
    html = as_user("supervisor1").get("/supervision?period=week&from=2026-11-02&to=2026-11-08").text
    assert 'value="week" checked' in html
    assert "2026-11-02" not in re.search(r'<input id="field-from"[^>]*>', html).group(0)


@pytest.mark.parametrize("query, message", [
    ("from=2026-13-01", "日期请按 YYYY-MM-DD 填写"),
    ("from=yesterday", "日期请按 YYYY-MM-DD 填写"),
    ("from=2026-11-08&to=2026-11-01", "请检查筛选条件"),
    ("from=2025-01-01&to=2026-11-01", "请检查筛选条件"),
    ("department=nowhere", "请检查筛选条件"),
    ("enterprise=x1", "请检查筛选条件"),
])
def test_bad_input_is_a_422_page_with_the_form_and_a_message(as_user, query, message):
    page = as_user("supervisor1").get(f"/supervision?{query}")
    assert page.status_code == 422
    assert message in page.text and '<form class="sv-filters"' in page.text
    assert 'role="alert"' in page.text and "sv-headline" not in page.text


def test_labels_are_translated_in_english(as_user, week):
    client = as_user("supervisor1")
    client.cookies.set("lianxin_lang", "en")
    html = client.get(f"/supervision?{WEEK}").text
    assert figure(html, "Response rate") == "50.0%"
    assert "Headline figures" in html and "Departments" in html and "响应率" not in html
    client.cookies.set("lianxin_lang", "zh-Hant")
    assert "響應率" in client.get(f"/supervision?{WEEK}").text


def test_every_figure_and_table_cell_links_to_the_finder(as_user, week):
    html = as_user("supervisor1").get(f"/supervision?{WEEK}").text
    values = re.findall(r'<a class="sv-value" href="([^"]*)"', html)
    assert len(values) == 8 + 6 + 1 + 6  # counts, rates, composite, three durations × (p50, p90)
    assert all(unescape(v).startswith("/requests?from=2026-11-02&to=2026-11-08") for v in values)
    table = section_of(html, "sv-departments")
    cells = re.findall(r'<td class="num"><a href="([^"]*)">', table)
    assert len(cells) == 3 * 12 and all(c.startswith("/requests?") for c in cells)
    assert "/requests?department=union&status=submitted&status=dispatched" in unescape(table)  # load: open now
