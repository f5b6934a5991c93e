"""/supervision/programme: the period's activities by kind and by speaker, and each speaker's
average rating month by month; a lead sees their department's activities; the dashboard
links there. Figures worked by hand: one micro-lecture by 李老师 in November (three signed up,
two came, rated speaker 5 and 4 → 4.50), a theme day of another department (one signed up,
nobody came)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.activities import service as activities
from server.activities.rules import ActivityFields
from server.enums import ActivityKind
from server.models import Person

NOVEMBER = "period=custom&from=2026-11-01&to=2026-11-30"


def _held(database, world, title, kind, starts_at, department, speaker="", came=(), signed=(), ratings=()):
    with database.write() as session:
        organiser = session.get(Person, world["dispatcher1"].id)
        activity = activities.create(session, organiser, ActivityFields(
            title=title, kind=kind, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), speaker_name=speaker,
            organiser_department_id=world.departments[department].id), now=starts_at - timedelta(days=7))
        for name in signed:
            activities.sign_up(session, session.get(Person, world[name].id), activity.id, now=starts_at - timedelta(days=1))
        for name in came:
            activities.check_in_with_code(session, session.get(Person, world[name].id), activity.id,
                                          activity.checkin_code, now=starts_at)
        for name, score in ratings:
            activities.rate(session, session.get(Person, world[name].id), activity.id, content=score, speaker=score,
                            comment="", now=starts_at + timedelta(hours=2))


@pytest.fixture
def programme(database, world):
    _held(database, world, "微党课：基层治理", ActivityKind.micro_lecture, datetime(2026, 11, 10, 4, tzinfo=UTC), "union",
          speaker="李老师", signed=("member1", "member2", "contact1"), came=("member1", "member2"),
          ratings=(("member1", 5), ("member2", 4)))
    _held(database, world, "十一月主题党日", ActivityKind.theme_day, datetime(2026, 11, 12, 6, tzinfo=UTC), "legal",
          signed=("member1",))
    return world


def test_the_centre_sees_the_programme_by_kind_and_speaker(as_user, programme):
    page = as_user("supervisor1").get(f"/supervision/programme?{NOVEMBER}")
    assert page.status_code == 200
    html = page.text
    assert "微党课" in html and "主题党日" in html
    by_kind = html.split('id="sv-by-kind"')[1].split("</section>")[0]
    assert "66.7%" in by_kind and "4.50" in by_kind and "0.0%" in by_kind  # 2 of 3 came; 0 of 1
    by_speaker = html.split('id="sv-by-speaker"')[1].split("</section>")[0]
    assert "李老师" in by_speaker and "4.50" in by_speaker
    trend = html.split('id="sv-speaker-trend"')[1].split("</section>")[0]
    assert "2026-11" in trend and "2025-12" in trend and "李老师" in trend  # twelve months to the period's end


def test_a_lead_sees_their_departments_activities_and_others_none(as_user, programme):
    html = as_user("lead1").get(f"/supervision/programme?{NOVEMBER}").text
    by_kind = html.split('id="sv-by-kind"')[1].split("</section>")[0]
    assert "66.7%" in by_kind and "0.0%" not in by_kind  # the union's lecture, not the legal theme day
    assert as_user("member1").get(f"/supervision/programme?{NOVEMBER}").status_code == 403
    assert as_user("supervisor1").get("/supervision/programme?period=custom&from=2026-13-01").status_code == 422


def test_the_dashboard_links_its_programme_figures_there(as_user, programme):
    html = as_user("supervisor1").get(f"/supervision?{NOVEMBER}").text
    section = html.split('id="sv-programme-figures"')[1].split("</dl>")[0]
    assert 'href="/supervision/programme?period=custom&amp;from=2026-11-01&amp;to=2026-11-30"' in section
    assert 'aria-label="已举办活动: 2"' in section and 'aria-label="到场率: 50.0% (2/4)"' in section
