"""The programme's pages as people see them: the programme with places left, signing up and
the waiting list, checking in with the code, rating, the organiser's list and export, the
calendar feeds; JavaScript off (plain forms and redirects)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from server.activities import service
from server.config import get_settings
from server.enums import ActivityKind
from server.models import Activity, Person, utcnow
from tests.activities.helpers import build, make_activity
from tests.factories import PASSWORD
from tests.web.conftest import csrf_from, sign_in


@pytest.fixture
def world(database):
    return build(database, members=3)


def _signed_in(client, username):
    assert sign_in(client, username, PASSWORD).status_code == 303
    return client


def _post(client, url, data=None, page=None):
    token = csrf_from(client.get(page or url.rsplit("/", 1)[0]).text)
    return client.post(url, data={**(data or {}), "csrf_token": token}, follow_redirects=False)


def _soon(database, world, **overrides):
    now = utcnow()
    overrides.setdefault("starts_at", now + timedelta(days=1))
    return make_activity(database, world, now=now, **overrides)


def _tomorrow():
    """Tomorrow where the centre is: the day of ``_soon``'s activities, whose week or month
    the programme is asked for (on a Sunday there, tomorrow is next week)."""
    return (utcnow() + timedelta(days=1)).astimezone(ZoneInfo(get_settings().timezone)).date()


def test_the_programme_shows_this_weeks_activities_with_places_left(client, database, world, count_queries):
    for i in range(3):
        _soon(database, world, title=f"微党课第{i}讲", kind=ActivityKind.micro_lecture, capacity=30)
    _signed_in(client, "member1")
    with count_queries(database) as counter:
        page = client.get(f"/activities?day={_tomorrow().isoformat()}")
    assert page.status_code == 200
    assert page.text.count("微党课第") == 3
    assert page.text.count("剩余 30 个名额（共 30 个）") == 3
    # A fixed number of queries however many activities (session, list, counts, names, mine,
    # the rooms they hold).
    assert counter.count <= 9, counter
    assert 'href="/activities"' in page.text  # the nav entry


def test_the_programme_filters_by_kind(client, database, world):
    _soon(database, world, title="主题党日活动", kind=ActivityKind.theme_day)
    _soon(database, world, title="午间微党课", kind=ActivityKind.micro_lecture)
    _signed_in(client, "member1")
    page = client.get(f"/activities?kind=micro_lecture&period=month&day={_tomorrow().isoformat()}")  # the last of a month too
    assert "午间微党课" in page.text and "主题党日活动" not in page.text
    assert client.get("/activities?day=2026-13-01").status_code == 422


def test_sign_up_then_the_next_person_waits_with_their_position(client, database, world):
    activity_id = _soon(database, world, capacity=1)
    _signed_in(client, "member1")
    response = _post(client, f"/activities/{activity_id}/signup", page=f"/activities/{activity_id}")
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "报名成功，届时见！" in page.text and "取消报名" in page.text
    client.cookies.clear()
    _signed_in(client, "member2")
    _post(client, f"/activities/{activity_id}/signup", page=f"/activities/{activity_id}")
    page = client.get(f"/activities/{activity_id}")
    assert "你是候补第 1 位" in page.text


def test_a_refused_sign_up_shows_the_reason_on_the_page(client, database, world):
    activity_id = _soon(database, world)
    _signed_in(client, "member1")
    _post(client, f"/activities/{activity_id}/signup", page=f"/activities/{activity_id}")
    again = _post(client, f"/activities/{activity_id}/signup", page=f"/activities/{activity_id}")
    assert again.status_code == 409
    assert "已报名" in again.text


def test_check_in_with_the_code_and_rate_after_the_end(client, database, world):
    now = utcnow()
    activity_id = make_activity(database, world, now=now - timedelta(hours=2), starts_at=now - timedelta(minutes=5),
                                ends_at=now + timedelta(minutes=1), signup_closes_at=None, speaker_name="王老师")
    with database.read() as session:
        code = session.get(Activity, activity_id).checkin_code
    _signed_in(client, "member1")
    wrong = _post(client, f"/activities/{activity_id}/checkin", {"code": "abc"}, page=f"/activities/{activity_id}")
    assert wrong.status_code == 422 and "签到码不正确" in wrong.text
    ok = _post(client, f"/activities/{activity_id}/checkin", {"code": code}, page=f"/activities/{activity_id}")
    assert ok.status_code == 303
    early = _post(client, f"/activities/{activity_id}/rate", {"content": "5", "speaker": "5"}, page=f"/activities/{activity_id}")
    assert early.status_code == 409
    with database.write() as session:
        session.get(Activity, activity_id).ends_at = now - timedelta(minutes=1)
    rated = _post(client, f"/activities/{activity_id}/rate", {"content": "4", "speaker": "5", "comment": "很实用"},
                  page=f"/activities/{activity_id}")
    assert rated.status_code == 303
    page = client.get(f"/activities/{activity_id}")
    assert "很实用" not in page.text.split('id="wall"')[1]  # not on the wall before approval


def test_the_organiser_sees_the_code_ticks_and_exports(client, database, world):
    now = utcnow()
    activity_id = make_activity(database, world, now=now - timedelta(days=1), starts_at=now + timedelta(minutes=5),
                                signup_closes_at=None)
    with database.write() as session:
        service.sign_up(session, session.get(Person, world["member1"]),
                        activity_id, now=now - timedelta(hours=1))
        code = session.get(Activity, activity_id).checkin_code
    _signed_in(client, "lead")
    page = client.get(f"/activities/{activity_id}/manage")
    assert page.status_code == 200 and code in page.text and "Member1" in page.text
    ticked = _post(client, f"/activities/{activity_id}/tick", {"person": str(world["member1"])},
                   page=f"/activities/{activity_id}/manage")
    assert ticked.status_code == 303
    csv = client.get(f"/activities/{activity_id}/signups.csv")
    assert csv.status_code == 200 and "Member1" in csv.text and "勾选" in csv.text
    xlsx = client.get(f"/activities/{activity_id}/signups.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_only_the_organiser_opens_the_organisers_page(client, database, world):
    activity_id = _soon(database, world)
    _signed_in(client, "member1")
    assert client.get(f"/activities/{activity_id}/manage").status_code == 403
    assert client.get(f"/activities/{activity_id}/signups.csv").status_code == 403
    assert client.get("/activities/new").status_code == 403
    assert client.get("/activities/99999").status_code == 404


def test_creating_an_activity_from_the_form(client, database, world):
    _signed_in(client, "lead")
    form = client.get("/activities/new")
    assert form.status_code == 200 and f'value="d-{world.department_id}"' in form.text
    bad = _post(client, "/activities/new", {"title": "", "kind": "theme_day", "organiser": f"d-{world.department_id}",
                                            "starts_at": "2027-01-14T14:30", "ends_at": "2027-01-14T12:00"}, page="/activities/new")
    assert bad.status_code == 422 and "请填写活动名称" in bad.text and "结束时间须晚于开始时间" in bad.text
    made = _post(client, "/activities/new", {
        "title": "主题党日", "kind": "theme_day", "organiser": f"d-{world.department_id}", "capacity": "40",
        "starts_at": "2027-01-14T14:30", "ends_at": "2027-01-14T16:30", "audience": "members",
        "repeat_rule": "FREQ=MONTHLY;BYDAY=+2TH"}, page="/activities/new")
    assert made.status_code == 303
    with database.read() as session:
        first = session.query(Activity).order_by(Activity.starts_at).first()
        # 14:30 in Beijing is 06:30 UTC.
        assert first.starts_at.isoformat() == "2027-01-14T06:30:00+00:00" and first.series_id is not None


def test_my_activities_and_the_private_calendar_feed(client, database, world):
    activity_id = _soon(database, world, title="读书会, 第一期; 分享")
    _signed_in(client, "member1")
    _post(client, f"/activities/{activity_id}/signup", page=f"/activities/{activity_id}")
    assert "读书会" in client.get("/activities/mine").text
    made = _post(client, "/activities/mine/feed", page="/activities/mine")
    assert made.status_code == 200
    url = made.text.split('id="feed-mine" class="feed-url" readonly value="')[1].split('"')[0]
    path = url.replace("http://testserver", "")
    client.cookies.clear()  # a calendar app sends no cookie
    feed = client.get(path)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert "SUMMARY:读书会\\, 第一期\\; 分享" in feed.text
    assert f"UID:activity-{activity_id}@" in feed.text and "DTSTAMP:" in feed.text
    assert all(len(line.encode()) <= 75 for line in feed.text.split("\r\n"))
    assert client.get(path.replace("/mine.ics", "/programme.ics")).status_code == 200
    assert client.get("/calendar/" + "x" * 32 + "/mine.ics").status_code == 404
