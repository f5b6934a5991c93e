"""A lead's department figures at the top of the desk: the last 30 days, linked to the
dashboard filtered to their department; staff see no figures."""

from __future__ import annotations

import re
from html import unescape

from tests.requests.helpers import submit


def strip(html: str) -> str | None:
    match = re.search(r'<section class="sv-strip".*?</section>', html, re.S)
    return match.group(0) if match else None


def test_a_lead_sees_their_departments_last_30_days(database, as_user):
    for _ in range(2):
        submit(database, "member1", "union.join", answers={"people": 2})
    submit(database, "member1", "legal.aid")
    html = as_user("lead1").get("/desk").text
    shown = strip(html)
    assert shown and "我的部门（近 30 天）" in shown
    submitted = re.search(r'<dt>已提交</dt>\s*<dd>\s*<a class="sv-value" href="([^"]*)"[^>]*>([^<]*)</a>', shown)
    assert submitted.group(2) == "2"  # union's two, not legal's
    assert "&department=union" in unescape(submitted.group(1)) and unescape(submitted.group(1)).startswith("/requests?from=")
    assert 'href="/supervision?period=30d&amp;department=union"' in shown
    assert 'href="/supervision/overdue">超时清单</a>' in shown  # their department's overdue list
    assert "<dt>响应率</dt>" in shown and ">—<" in shown  # nothing claimed or due yet: no rate
    assert html.index("sv-strip") < html.index('id="desk-queue"')


def test_staff_see_no_figures_on_the_desk(as_user):
    html = as_user("staff1").get("/desk").text
    assert strip(html) is None and "supervision.css" not in html


def test_the_desks_live_parts_carry_no_strip(as_user):
    part = as_user("lead1").get("/desk?part=queue", headers={"HX-Request": "true"}).text
    assert strip(part) is None


def test_the_strip_shows_what_the_full_headline_shows_for_its_figures(database, as_user):
    # The strip skips the durations and the figures it does not show (most of its cost): what
    # it does show must be, figure for figure, the full headline's.
    from server.accounts.people_repository import person_by_username
    from server.catalog import snapshot
    from server.enums import Action
    from server.metrics import filters as metric_filters
    from server.metrics import service as metrics
    from server.metrics.pages import period as periods
    from server.metrics.pages import strip as figures_strip
    from server.metrics.pages import views
    from server.metrics.pages.formats import Formats
    from server.models import utcnow
    from tests.requests.helpers import act

    done = submit(database, "member1", "union.join", answers={"people": 2})
    submit(database, "member1", "union.join", answers={"people": 1})
    act(database, "staff1", done.number, Action.claim)
    act(database, "staff1", done.number, Action.complete, note="done")
    now = utcnow()
    with database.read() as session:
        lead = person_by_username(session, "lead1")
        session.expunge(lead)
    shown = figures_strip.for_person(database, lead, "en", now)

    fmt = Formats("en")
    period = periods.choose("30d", None, None, now)
    with database.read() as session:
        filters = metric_filters.within_scope(
            metrics.scope_for(lead), metric_filters.parse_filters(session, now, start=period.start, end=period.end))
        sel = views.Selection.of(period, filters, snapshot.load(session))
        full = metrics.figures(session, filters, now=now)
    head = views.headline(fmt, sel, full, full)
    expected = [head.composite, *(f for f in head.counts + head.rates
                                  if f.key in figures_strip.STRIP_COUNTS + figures_strip.STRIP_RATES)]
    assert [f.key for f in shown.figures] == ["composite", "submitted", "overdue", "response", "resolution",
                                              "satisfaction", "on_time"]
    assert shown.figures == expected
    assert any(f.value not in (None, 0) for f in shown.figures if f.kind == "rate")  # figures, not blanks
