"""The dashboard makes a fixed, small number of SQL statements whatever the data: the session,
the catalogue check, metrics.overview()'s own (tests/metrics fixes those), and one or two for
each of the visits and the programme sections."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.accounts.people_repository import person_by_username
from server.config import get_settings
from server.enums import ActivityKind
from server.models import Activity, utcnow
from server.rooms import service as room_service
from tests.metrics import scenario
from tests.requests.helpers import submit
from tests.rooms.helpers import create_room
from tests.visits.helpers import file_need, record

WEEK = "period=custom&from=2026-11-02&to=2026-11-08"
# The session and its person (1), the catalogue revision (1), overview()'s seven: rollup by day,
# durations, by department, the live set, by service, open now, by enterprise (see
# tests/metrics/test_service.py). Nothing per department, week, service or enterprise shown.
REQUEST_FIGURES = 9
# The visits section (server/visits/figures.py): the plan (1), the accepted visit requests when
# the menu offers the "enterprise visit" service (1; not in this test's menu), the period's visits
# with the requests filed from them (1). The programme section (server/metrics/pages/programme.py):
# the activities' totals (1) and room use (1). Each is one grouped statement whatever the number
# of enterprises, visits, activities or rooms; the test below adds some of each.
MOST = REQUEST_FIGURES + 3 + 2


def _count(client, database, count_queries, url) -> tuple[int, str]:
    with count_queries(database) as counter:
        assert client.get(url).status_code == 200
    return counter.count, str(counter)


@pytest.mark.parametrize("filters", ["", "&department=union", "&service=union.join", "&enterprise=E1"])
def test_the_dashboard_query_count_is_fixed(database, as_user, world, week, count_queries, filters):
    filters = filters.replace("E1", str(world["member1"].enterprise_id))
    client = as_user("supervisor1")
    url = f"/supervision?{WEEK}{filters}"
    client.get(url)  # warm the catalogue cache
    first, listing = _count(client, database, count_queries, url)
    for day in range(4, 8):  # more requests on more days, more enterprises' demand: the same statements
        submit(database, "member2", "union.join", answers={"people": 1}, now=scenario.local(day, 10))
        submit(database, "member1", "legal.aid", now=scenario.local(day, 11))
    client.get(url)  # round-robin routing changed a department: the catalogue is read again once
    again, again_listing = _count(client, database, count_queries, url)
    assert again == first, f"before:\n{listing}\nafter:\n{again_listing}"
    assert first <= MOST, listing


def test_a_leads_dashboard_makes_no_more(database, as_user, week, count_queries):
    client = as_user("lead1")
    client.get(f"/supervision?{WEEK}")
    count, listing = _count(client, database, count_queries, f"/supervision?{WEEK}")
    assert count <= MOST, listing


def test_more_visits_activities_and_bookings_make_no_more_statements(database, as_user, world, count_queries):
    client = as_user("supervisor1")
    url = f"/supervision?{WEEK}"
    client.get(url)
    first, listing = _count(client, database, count_queries, url)
    visit = record(database, "staff1", on=date(2026, 11, 3))
    file_need(database, "staff1", visit.id, description="走访中发现：需要法律咨询")
    record(database, "staff1", on=date(2026, 11, 5))
    now = utcnow()
    with database.write() as session:
        member = person_by_username(session, "member1")
        room = create_room(session, capacity=20, keeps_office_hours=False,
                           hours={d: [["00:00", "23:30"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
        # Tomorrow at 10:00 where the centre is: an hour from "now" crossed midnight there
        # when the test ran between 23:00 and 00:00 local time, outside the room's hours.
        tz = ZoneInfo(get_settings().timezone)
        tomorrow = (now.astimezone(tz) + timedelta(days=1)).date()
        start = datetime.combine(tomorrow, time(10), tz).astimezone(UTC)
        room_service.book(session, room_id=room.id, starts_at=start, ends_at=start + timedelta(hours=1), title="会",
                          purpose="", expected_people=5, contact_name="", contact_phone="", booked_by=member, now=now)
        for day in (3, 4):
            at = scenario.local(day, 14)
            session.add(Activity(title=f"微党课{day}", kind=ActivityKind.micro_lecture, starts_at=at,
                                 ends_at=at + timedelta(hours=1), organiser_department_id=world["staff1"].department_id,
                                 checkin_code="123456"))
    client.get(url)
    again, again_listing = _count(client, database, count_queries, url)
    assert again == first, f"before:\n{listing}\nafter:\n{again_listing}"
    page = client.get(url).text
    assert 'id="sv-visit-figures"' in page and 'id="sv-programme-figures"' in page
    assert 'aria-label="已举办活动: 2"' in page and 'aria-label="场地使用率' in page
    lead_page = as_user("lead1").get(url).text  # a department's view: its activities, no room use
    assert 'aria-label="已举办活动: ' in lead_page and 'aria-label="场地使用率' not in lead_page.split('id="sv-programme"')[1]
