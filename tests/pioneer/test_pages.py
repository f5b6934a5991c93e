"""The pioneer pages as people use them: a member's own score with a link to every record,
nobody else's (404), the centre's ranking by branch and enterprise, the shortlist and its
XLSX, and the centre's forms (CSRF, field errors, who may use them), in the reader's language."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from server.app import create_app
from server.models import Person
from server.pioneer import service
from server.pioneer.periods import quarter_of
from tests.admin.pages import error_next_to, post, sign_in
from tests.pioneer.helpers import BRANCH_A, make_party


@pytest.fixture
def party(database, world):
    return make_party(database, world)


@pytest.fixture
def app(settings, database):
    return create_app(settings, database)


@pytest.fixture
def as_(app):
    clients = []

    def signed(username: str) -> TestClient:
        client = TestClient(app, base_url="http://testserver")
        client.__enter__()
        clients.append(client)
        return sign_in(client, username)

    yield signed
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def records(database, world, party):
    """member1 this quarter: a theme day, 2.5 volunteer hours, +6 and −2 points."""
    day = quarter_of(service.today()).start
    with database.write() as session:
        clerk, boss = session.get(Person, world["dispatcher1"].id), session.get(Person, world["supervisor1"].id)
        ids = {
            "attendance": service.record_attendance(session, clerk, service.AttendanceInput(
                "十二月主题党日", "theme_day", day, [party["member1"], party["member2"]])).id,
            "hours": service.record_hours(session, clerk, service.HoursInput(party["member1"], day, "2.5", "楼宇值守")).id,
            "points": service.award_points(session, boss, service.PointsInput(party["member1"], day, 6, "组织义诊")).id,
            "deduction": service.award_points(session, boss, service.PointsInput(party["member1"], day, -2, "缺席")).id,
        }
    return ids


def test_a_member_sees_their_score_with_a_link_to_every_record(as_, party, records):
    page = as_("member1").get("/pioneer")
    assert page.status_code == 200
    assert "我的先锋指数" in page.text and "先锋指数" in page.text
    # 10 (theme day) + 5 (2.5 h × 2) + 4 (6 − 2) = 19
    assert "<strong>19</strong> / 100" in page.text
    for kind, record_id in (("attendance", records["attendance"]), ("hours", records["hours"]),
                            ("points", records["points"]), ("points", records["deduction"])):
        assert f'href="/pioneer/{kind}/{record_id}"' in page.text
    assert "+6 分" in page.text and "-2 分" in page.text
    assert "分数怎么算" in page.text  # the formula is on the page
    record = as_("member1").get(f"/pioneer/points/{records['points']}")
    assert record.status_code == 200 and "组织义诊" in record.text and "撤销这条记录" not in record.text


def test_a_member_cannot_see_another_members_score_or_records(as_, party, records):
    client = as_("member2")
    assert client.get(f"/pioneer/people/{party['member1']}").status_code == 404
    assert client.get(f"/pioneer/hours/{records['hours']}").status_code == 404
    assert client.get(f"/pioneer/points/{records['points']}").status_code == 404
    # the theme day member2 came to is theirs to see, but not who else came
    shared = client.get(f"/pioneer/attendance/{records['attendance']}")
    assert shared.status_code == 200 and "Member1" not in shared.text
    assert client.get("/pioneer/ranking").status_code == 403
    assert client.get("/pioneer/shortlist.xlsx").status_code == 403


@pytest.mark.parametrize("who", ["staff1", "lead1", "contact2"])
def test_nobody_else_sees_the_ranking_or_a_score(as_, party, records, who):
    client = as_(who)
    assert client.get("/pioneer/ranking").status_code == 403
    assert client.get(f"/pioneer/people/{party['member1']}").status_code == 404
    assert client.get("/pioneer/hours/new").status_code == 403


def test_a_non_member_is_told_the_index_covers_party_members(as_, world):
    page = as_("contact2").get("/pioneer")
    assert page.status_code == 200 and "先锋指数只统计党员" in page.text


def test_the_centre_ranks_by_branch_and_enterprise(as_, party, records, world):
    client = as_("dispatcher1")
    assert client.get("/pioneer", follow_redirects=False).headers["location"] == "/pioneer/ranking"
    page = client.get("/pioneer/ranking")
    assert page.status_code == 200
    names = re.findall(r'<a href="/pioneer/people/(\d+)\?period=', page.text)
    assert names[:2] == [str(party["member1"]), str(party["member2"])]  # 19, then 10
    assert set(names) == {str(i) for i in party.values()}
    branch = client.get("/pioneer/ranking", params={"branch": BRANCH_A}).text
    assert set(re.findall(r'/pioneer/people/(\d+)\?', branch)) == {str(party["member1"]), str(party["contact1"])}
    enterprise = client.get("/pioneer/ranking", params={"enterprise": world["member2"].enterprise_id}).text
    assert set(re.findall(r'/pioneer/people/(\d+)\?', enterprise)) == {str(party["member2"])}
    assert client.get(f"/pioneer/people/{party['member1']}").status_code == 200
    assert client.get("/pioneer/ranking", params={"period": "2026-Q9"}).status_code == 422


def test_the_shortlist_exports_to_xlsx(as_, party, records, database, world, monkeypatch):
    from server.config import PioneerWeights

    # a shortlist of everyone with 5 in organisation life and nothing else asked
    monkeypatch.setattr(service, "weights", lambda: PioneerWeights(
        shortlist_minimum={"organisation": 5}, shortlist_size=5))
    client = as_("supervisor1")
    period = quarter_of(service.today()).code
    page = client.get("/pioneer/shortlist", params={"period": period})
    assert page.status_code == 200 and f"/pioneer/shortlist.xlsx?period={period}" in page.text
    response = client.get("/pioneer/shortlist.xlsx", params={"period": period})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("名次", "党员")
    assert [(r[0], r[2], r[-2]) for r in rows[1:]] == [(1, "member1", 19), (2, "member2", 10)]


def test_the_centre_records_hours_through_the_form(as_, party, database):
    client = as_("dispatcher1")
    form = client.get("/pioneer/hours/new")
    assert form.status_code == 200 and 'name="csrf_token"' in form.text
    day = service.today().isoformat()
    response = post(client, "/pioneer/hours/new", {"person_id": party["member2"], "day": day, "hours": "3",
                                                   "what": "关爱独居老人"})
    assert response.status_code == 303 and re.match(r"/pioneer/hours/\d+\?saved=1", response.headers["location"])
    assert "已登记" in client.get(response.headers["location"]).text
    refused = post(client, "/pioneer/hours/new", {"person_id": party["member2"], "day": day, "hours": "30", "what": ""})
    assert refused.status_code == 422 and error_next_to(refused.text, "hours") and error_next_to(refused.text, "what")
    # without the CSRF token nothing is written
    bare = client.post("/pioneer/hours/new", data={"person_id": party["member2"], "day": day, "hours": "3",
                                                   "what": "x"}, follow_redirects=False)
    assert bare.status_code == 403


def test_points_need_the_leadership_and_a_reason(as_, party):
    clerk = as_("dispatcher1")
    assert clerk.get("/pioneer/points/new").status_code == 403
    boss = as_("supervisor1")
    day = service.today().isoformat()
    refused = post(boss, "/pioneer/points/new", {"person_id": party["member1"], "day": day, "points": "-5", "reason": ""})
    assert refused.status_code == 422 and error_next_to(refused.text, "reason")
    done = post(boss, "/pioneer/points/new", {"person_id": party["member1"], "day": day, "points": "-5",
                                              "reason": "无故缺席"})
    assert done.status_code == 303
    record = boss.get(done.headers["location"])
    assert "贡献积分扣分" in record.text and "无故缺席" in record.text


def test_attendance_through_the_form_and_withdrawing_it(as_, party, database):
    client = as_("dispatcher1")
    form = client.get("/pioneer/attendance/new").text
    assert f'name="attendee_ids" value="{party["member1"]}"' in form
    day = service.today().isoformat()
    refused = post(client, "/pioneer/attendance/new", {"name": "微党课", "kind": "micro_lecture", "day": day})
    assert refused.status_code == 422 and 'id="field-attendee_ids-error"' in refused.text
    done = post(client, "/pioneer/attendance/new", {
        "name": "微党课：新质生产力", "kind": "micro_lecture", "day": day,
        "attendee_ids": [str(party["member1"]), str(party["contact1"])], "speaker_id": str(party["member2"]),
        "speaker_rating": "4.5"})
    assert done.status_code == 303, done.text
    record_id = int(re.search(r"/pioneer/attendance/(\d+)", done.headers["location"]).group(1))
    with database.read() as session:
        assert service.score_of(session, party["member2"], quarter_of(service.today())).total == 13.5
    no_reason = post(client, f"/pioneer/attendance/{record_id}/withdraw", {"reason": ""})
    assert no_reason.status_code == 422 and error_next_to(no_reason.text, "reason")
    gone = post(client, f"/pioneer/attendance/{record_id}/withdraw", {"reason": "录错了"})
    assert gone.status_code == 303
    assert client.get(f"/pioneer/attendance/{record_id}").status_code == 404


def test_pages_in_english_and_traditional(as_, party, records):
    client = as_("member1")
    client.get("/lang/en", follow_redirects=False)
    assert "My pioneer index" in client.get("/pioneer").text
    client.get("/lang/zh-Hant", follow_redirects=False)
    assert "我的先鋒指數" in client.get("/pioneer").text


def test_the_nav_shows_the_index_to_members_and_the_centre_only(as_, world):
    assert 'href="/pioneer"' in as_("member1").get("/menu").text
    assert 'href="/pioneer"' in as_("supervisor1").get("/supervision").text
    assert 'href="/pioneer"' not in as_("staff1").get("/desk").text
