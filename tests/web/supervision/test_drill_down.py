"""Following a figure or a chart bar lands on the request finder listing the requests behind
it: the dashboard's links and the finder agree."""

from __future__ import annotations

import re
from html import unescape

WEEK = "period=custom&from=2026-11-02&to=2026-11-08"


def numbers(html: str) -> set[str]:
    return set(re.findall(r'<a class="request-number" href="/requests/([^"]+)">', html))


def link(html: str, pattern: str) -> str:
    match = re.search(pattern, html, re.S)
    assert match, pattern
    return unescape(match.group(1))


def test_the_submitted_figure_lists_the_weeks_requests(as_user, week):
    client = as_user("supervisor1")
    html = client.get(f"/supervision?{WEEK}").text
    url = link(html, r'<dt>已提交</dt>\s*<dd>\s*<a class="sv-value" href="([^"]*)"')
    listed = client.get(url)
    assert listed.status_code == 200
    assert numbers(listed.text) == set(week.values())


def test_a_service_bar_lists_that_services_requests(as_user, week):
    client = as_user("supervisor1")
    html = client.get(f"/supervision?{WEEK}").text
    url = link(html, r'<figure class="chart chart-hbars" id="chart-top-services">.*?<a href="([^"]*)">')
    assert numbers(client.get(url).text) == {week[r] for r in ("R1", "R2", "R3", "R6")}


def test_a_departments_overdue_cell_lists_what_is_overdue_now(as_user, week):
    client = as_user("supervisor1")
    html = client.get(f"/supervision?{WEEK}&department=union").text
    url = link(html, r'<section class="sv-section" aria-labelledby="sv-departments">.*?<tr>.*?<tr>.*?'
                     r'(?:<td class="num"><a href="[^"]*">[^<]*</a></td>\s*){10}<td class="num"><a href="([^"]*)">')
    assert "overdue=true" in url and "department=union" in url
    # R3 (never claimed) and R6 (rework past its limit) are overdue now; R2 was late but is done.
    assert numbers(client.get(url).text) == {week["R3"], week["R6"]}


def test_a_leads_links_stay_inside_their_department(as_user, week):
    client = as_user("lead1")
    html = client.get(f"/supervision?{WEEK}").text
    url = link(html, r'<dt>已提交</dt>\s*<dd>\s*<a class="sv-value" href="([^"]*)"')
    assert "department=union" in url
    assert numbers(client.get(url).text) == {week[r] for r in ("R1", "R2", "R3", "R6")}
