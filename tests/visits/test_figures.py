"""The visit figures (server/visits/figures.py) on a hand-computed fixture.

Enterprises: 一号, 二号, 三号 active, 四号 retired after its visit. November 2026:
- visits: 一号 on 5 and 20 Nov, 二号 on 10 Nov, 四号 on 12 Nov (4 visits); 三号 only on 1 Oct.
- coverage: 一号 and 二号 of the 3 active = 2/3 (四号's visit counts as a visit, not for coverage).
- overdue on 2 Dec: 三号 is monthly, last visited 1 Oct, so due 1 Nov: 1 (the others are
  quarterly: due in February).
- needs from November's visits: A and B (一号, 5 Nov) completed and rated satisfied and basically
  satisfied; C (二号) cancelled by its contact; D (二号) waiting for a dispatcher. E, from 一号's
  visit on 1 Oct, is rated unsatisfied and is not November's.
  needs 4; resolvable 3 (A, B, D); resolved 2 (A, B): 2/3; rated 2, both satisfied or basically:
  2; satisfaction rate (1 + 0.9) / 2 = 0.95.
With department union (responsible for 一号 only): 1/1 visited, 2 visits, 0 overdue, needs A
and B, resolved 2/2."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from server.enums import Action
from server.metrics import definitions as d
from server.models import Enterprise
from server.visits import figures
from tests.factories import create_person
from tests.requests.helpers import act
from tests.visits.helpers import file_need, record, set_plan

ON = date(2026, 12, 2)


@pytest.fixture
def fixture(database, world):
    from server.enums import Role

    with database.write() as session:
        session.add(Enterprise(name="三号企业"))
        four = Enterprise(name="四号企业")
        session.add(four)
        session.flush()
        create_person(session, "contact4", Role.contact, enterprise=four)
    set_plan(database, "admin1", "一号企业", responsible_department_id=world.departments["union"].id)
    set_plan(database, "admin1", "三号企业", frequency="monthly")
    v1 = record(database, "staff1", "一号企业", on=date(2026, 11, 5))
    record(database, "staff1", "一号企业", on=date(2026, 11, 20))
    v2 = record(database, "staff1", "二号企业", on=date(2026, 11, 10))
    record(database, "staff1", "四号企业", on=date(2026, 11, 12))
    record(database, "staff1", "三号企业", on=date(2026, 10, 1))
    old = record(database, "staff1", "一号企业", on=date(2026, 10, 1))
    a = file_need(database, "staff1", v1.id, description="A")
    b = file_need(database, "staff1", v1.id, description="B")
    c = file_need(database, "staff1", v2.id, description="C")
    file_need(database, "staff1", v2.id, "misc.other", description="D", answers={})
    e = file_need(database, "staff1", old.id, description="E")
    for request, rating in ((a, "satisfied"), (b, "basically_satisfied"), (e, "unsatisfied")):
        act(database, "staff1", request.number, Action.claim)
        act(database, "staff1", request.number, Action.complete, note="办好了")
        contact = "contact1"
        act(database, contact, request.number, Action.rate, rating=rating,
            **({"note": "不满意"} if rating == "unsatisfied" else {}))
    act(database, "contact2", c.number, Action.cancel)
    with database.write() as session:
        session.scalar(select(Enterprise).where(Enterprise.name == "四号企业")).active = False
    return world


def test_the_centres_visit_figures(database, fixture):
    with database.read() as session:
        f = figures.figures(session, date(2026, 11, 1), date(2026, 11, 30), on=ON)
    assert (f.active_enterprises, f.visited_enterprises, f.visits, f.overdue) == (3, 2, 4, 1)
    assert f.coverage == pytest.approx(2 / 3)
    assert (f.needs, f.resolvable, f.resolved, f.rated, f.rated_satisfied) == (4, 3, 2, 2, 2)
    assert f.resolution_rate == pytest.approx(2 / 3)
    assert f.satisfaction_rate == pytest.approx(0.95)


def test_one_departments_visit_figures(database, fixture):
    with database.read() as session:
        f = figures.figures(session, date(2026, 11, 1), date(2026, 11, 30), department_id=fixture.departments["union"].id, on=ON)
    assert (f.active_enterprises, f.visited_enterprises, f.visits, f.overdue, f.needs, f.resolved) == (1, 1, 2, 0, 2, 2)
    assert f.coverage == 1 and f.resolution_rate == 1


def test_an_empty_period_has_no_rates():
    f = figures.summarise(active=set(), visited=[], visits=0, overdue=0, needs=[])
    assert f.coverage is None and f.resolution_rate is None and f.satisfaction_rate is None


def test_summarise_uses_the_metrics_definitions():
    from datetime import UTC, datetime

    from server.enums import RequestStatus as S

    t = datetime(2026, 11, 1, tzinfo=UTC)
    needs = [
        d.RequestFacts(S.closed, first_completed_at=t, rating=d.Rating.unsatisfied),
        d.RequestFacts(S.rejected),
        d.RequestFacts(S.claimed, first_completed_at=t),  # reworked: ever completed counts
    ]
    f = figures.summarise(active={1, 2}, visited=[1, 1, 3], visits=3, overdue=1, needs=needs)
    assert f.visited_enterprises == 1 and f.coverage == 0.5
    assert (f.resolvable, f.resolved, f.rated, f.rated_satisfied, f.satisfaction_rate) == (2, 2, 1, 0, 0.0)
