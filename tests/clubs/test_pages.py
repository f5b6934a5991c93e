"""The clubs' pages: the centre's staff start a club and name its lead; the lead gets a "new
activity" link on the club's page, and the form comes with the club chosen as organiser."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.models import Activity, Club
from tests.activities.helpers import build
from tests.factories import PASSWORD
from tests.web.conftest import csrf_from, sign_in


@pytest.fixture
def world(database):
    return build(database, members=2)


def _as(client, username):
    assert sign_in(client, username, PASSWORD).status_code == 303
    return client


@pytest.mark.parametrize("who", ["admin", "dispatcher"])
def test_the_centre_creates_a_club_with_a_lead(client, database, world, who):
    _as(client, who)
    assert 'href="/clubs/new"' in client.get("/clubs").text
    form = client.get("/clubs/new")
    assert form.status_code == 200
    made = client.post("/clubs/new", data={"name": "羽毛球俱乐部", "lead": "member1", "join_policy": "approval",
                                           "description": "每周三晚", "csrf_token": csrf_from(form.text)},
                       follow_redirects=False)
    assert made.status_code == 303
    with database.read() as session:
        club = session.scalar(select(Club).where(Club.name == "羽毛球俱乐部"))
    assert (club.lead_id, club.join_policy) == (world["member1"], "approval")
    assert made.headers["location"] == f"/clubs/{club.id}"


def test_a_bad_club_form_says_which_field(client, database, world):
    _as(client, "admin")
    token = csrf_from(client.get("/clubs/new").text)
    refused = client.post("/clubs/new", data={"name": "合唱团", "lead": "nobody", "join_policy": "open",
                                              "csrf_token": token})
    assert refused.status_code == 422
    assert 'id="field-name-error"' in refused.text and 'id="field-lead-error"' in refused.text
    assert 'value="nobody"' in refused.text  # what was typed stays


@pytest.mark.parametrize("who", ["member1", "lead", "clublead"])
def test_others_may_not_create_clubs(client, world, who):
    _as(client, who)
    assert 'href="/clubs/new"' not in client.get("/clubs").text
    assert client.get("/clubs/new").status_code == 403
    token = csrf_from(client.get("/clubs").text)
    assert client.post("/clubs/new", data={"name": "x", "lead": who, "join_policy": "open",
                                           "csrf_token": token}).status_code == 403


def test_a_club_lead_creates_an_activity_for_their_club(client, database, world):
    _as(client, "clublead")
    club_page = client.get(f"/clubs/{world.club_id}").text
    link = f"/activities/new?organiser=c-{world.club_id}"
    assert f'href="{link}"' in club_page
    form = client.get(link)
    assert form.status_code == 200 and f'<option value="c-{world.club_id}" selected>' in form.text
    made = client.post("/activities/new", data={
        "title": "合唱排练", "kind": "club_activity", "organiser": f"c-{world.club_id}",
        "starts_at": "2027-01-06T19:00", "ends_at": "2027-01-06T21:00", "audience": "club_members",
        "csrf_token": csrf_from(form.text)}, follow_redirects=False)
    assert made.status_code == 303
    with database.read() as session:
        activity = session.scalar(select(Activity).where(Activity.title == "合唱排练"))
    assert activity.organiser_club_id == world.club_id
    # A member of the club who does not lead it gets no such link.
    _as(client, "member1")
    assert link not in client.get(f"/clubs/{world.club_id}").text
