"""The finder's text search finds exactly what a plain substring match finds — the database's own
LIKE (SQLite) / ILIKE (PostgreSQL) over each request's search text, its requester's name and
phone, its enterprise's name — whichever index or plan answers it: FTS5's trigrams or pg_trgm
for three characters or more, the vocabulary's trigrams (SQLite) or the one- and two-character
grams' GIN index (PostgreSQL) for shorter terms, the newest-first scan, and each way of crossing
a search with what a lead or a contact sees. Over Chinese, mixed and Latin texts, for 1-, 2-, 3-
and longer terms, with terms no row has."""

from __future__ import annotations

import pytest
from sqlalchemy import event, or_, select, update

from server.enums import Action
from server.models import Enterprise, Person, RequestSearch, ServiceRequest
from server.policy import visibility_filter
from server.requests import finder, search
from tests.requests.helpers import act, submit

TEXTS = [
    ("member1", "legal.aid", "空调维修，请尽快上门"),
    ("member2", "legal.aid", "停车位申请 B2层 车牌沪A12345"),
    ("member1", "union.join", "打印机卡纸 HP LaserJet，维修一下"),
    ("contact2", "union.join", "Wi-Fi 信号弱，会议室3A"),
    ("member2", "misc.other", "麒麟软件安装：需要管理员"),
    ("contact1", "legal.aid", "Straße café NAÏVE façade"),
    ("member1", "misc.other", "完成率 100% 以上_合格"),
    ("member2", "union.join", '引号"测试" 与 \\反斜杠'),
    ("contact2", "legal.aid", "量子 计算"),
    ("member1", "union.join", "维修维修维修"),
]
TERMS = [
    # one character
    "修", "b", "A", "%", "_", '"', "\\", "é", "É", "麒", "鳄", "z",
    # two
    "维修", "b2", "wi", "麒麟", "3a", "量子", "子计", "不见", "％", "ÇA",
    # three and more
    "空调维", "wi-", "laserjet", "LASERJET", "请尽快上门", "naïve", "NAÏVE", "100%", "以上_合", "维修维修",
    "量子 计算", "不存在的词语", "A12345", "会议室3a",
]
WAYS = {
    # The index a term of its length has (the data is small: nothing is dense).
    "index": {},
    # Every term common: the newest-first scan, and on SQLite the vocabulary's counts too.
    "scan": {"DENSE": 0, "DENSE_AMONG": 0, "COMMON": 0},
}
# How the finder crosses a search with what a lead or a contact sees: on PostgreSQL a text with
# a reason whose column request_search copies, in request_search alone (search.Alternative.among:
# its combined index, or newest first when dense; the default); and each plan of
# finder._crossed, which every other pair takes (and, with no copies, a text's too): each reason
# to see read through its index with the search as a test (everything being small here); the
# search's matches read with the reason as a test; the two id lists intersected.
CROSSINGS = {
    "request_search alone": {},
    "reason drives": {"SEEN_COPIES": ()},
    "search drives": {"SEEN_COPIES": (), "FEW_VISIBLE": 0},
    "intersection": {"SEEN_COPIES": (), "FEW_VISIBLE": 0, "FEW_MATCHES": 0},
}


@pytest.fixture
def texts(database, world):
    # union.join asks how many people (a required answer, part of the search text too).
    return [submit(database, who, service, description=text, **({"answers": {"people": 7}} if service == "union.join" else {})).number
            for who, service, text in TEXTS]


def _found(session, person: Person, q: str) -> set[str]:
    filters = finder.Filters(q=search.normalise(q))
    numbers: set[str] = set()
    cursor = None
    while True:  # every page: the search must be exact past the first
        page = finder.find(session, person, filters, cursor=cursor, limit=3)
        numbers |= {r.number for r in page.rows}
        if page.next_cursor is None:
            return numbers
        cursor = page.next_cursor


def _substring(session, person: Person, q: str) -> set[str]:
    """The reference: a plain substring test of every row, with the database's own operator."""
    q = search.normalise(q)
    pg = session.get_bind().dialect.name == "postgresql"

    def has(column):
        return column.icontains(q, autoescape=True) if pg else column.contains(q, autoescape=True)

    r = ServiceRequest
    text = select(RequestSearch.request_id).where(has(RequestSearch.body))
    people = select(Person.id).where(or_(has(Person.display_name), has(Person.phone)))
    enterprises = [e.id for e in session.scalars(select(Enterprise)) if q.casefold() in e.name.casefold()]
    matching = or_(r.id.in_(text), r.requester_id.in_(people), r.enterprise_id.in_(enterprises),
                   r.number.startswith(q.upper(), autoescape=True))
    return set(session.scalars(select(r.number).where(matching, visibility_filter(person))))


def _person(session, username: str) -> Person:
    person = session.scalar(select(Person).where(Person.username == username))
    person.roles  # noqa: B018 - loaded while the session is open
    return person


@pytest.mark.parametrize("way", sorted(WAYS))
def test_every_term_finds_what_a_substring_match_finds(database, texts, monkeypatch, way):
    for name, value in WAYS[way].items():
        monkeypatch.setattr(search, name, value)
    with database.read() as session:
        person = _person(session, "supervisor1")
        for q in TERMS:
            assert _found(session, person, q) == _substring(session, person, q), q
        # The fixture is not trivial: texts found by each kind of term, and terms none has.
        assert _substring(session, person, "麒麟") and _substring(session, person, "修")
        assert not _substring(session, person, "不存在的词语") and not _substring(session, person, "鳄")


@pytest.mark.parametrize("crossing", sorted(CROSSINGS))
@pytest.mark.parametrize("way", sorted(WAYS))
@pytest.mark.parametrize("username", ["lead1", "contact2", "member1", "staff3", "staff1"])
def test_a_search_among_what_one_sees_is_exact(database, world, texts, monkeypatch, way, crossing, username):
    for name, value in {**WAYS[way], **CROSSINGS[crossing]}.items():
        monkeypatch.setattr(finder if name.startswith("FEW_") else search, name, value)
    if username == "staff1":  # holds one of the texts outside the department they moved to
        held = submit(database, "member2", "union.join", description="维修工单 held", answers={"people": 3})
        act(database, "staff1", held.number, Action.claim)
        with database.write() as session:
            session.execute(update(Person).where(Person.username == "staff1").values(department_id=world.departments["legal"].id))
    with database.read() as session:
        person = _person(session, username)
        for q in [*TERMS, "Member1", "一号企业", "二号"]:
            assert _found(session, person, q) == _substring(session, person, q), q


def _pages(session, person: Person, filters: finder.Filters) -> list[str]:
    numbers: list[str] = []
    cursor = None
    while True:
        page = finder.find(session, person, filters, cursor=cursor, limit=2)
        numbers += [r.number for r in page.rows]
        if page.next_cursor is None:
            return numbers
        cursor = page.next_cursor


@pytest.mark.parametrize("username", ["lead1", "contact2", "member1"])
def test_a_search_among_what_one_sees_pages_in_order(database, world, texts, username):
    """The matches of a text among what one reason lets someone see (PostgreSQL: an array of ids
    from request_search that the primary key reads in id order, stopping at the page's end) come
    in the list's order, page after page by keyset, newest or oldest first and with a status
    filter: the same rows in the same order as sorting the substring match's rows."""
    more = [submit(database, ("member1", "contact2")[i % 2], "union.join", description=f"维修第{i}次",
                   answers={"people": i}) for i in range(1, 7)]
    act(database, "staff1", more[1].number, Action.claim)
    with database.read() as session:
        person = _person(session, username)
        statements: list[str] = []

        def record(conn, cursor, statement, *_):
            statements.append(statement)

        listen = session.get_bind().engine
        event.listen(listen, "before_cursor_execute", record)
        longest = 0
        try:
            for q in ["维修", "维修第", "修", "麒麟", "Member1"]:
                found = _substring(session, person, q)
                by_id = dict(session.execute(select(ServiceRequest.number, ServiceRequest.id)
                                             .where(ServiceRequest.number.in_(found))).all())
                newest = sorted(found, key=by_id.get, reverse=True)
                longest = max(longest, len(newest))
                assert _pages(session, person, finder.Filters(q=q)) == newest, q
                assert _pages(session, person, finder.Filters(q=q, sort="oldest")) == newest[::-1], q
                statuses = dict(session.execute(select(ServiceRequest.number, ServiceRequest.status)
                                                .where(ServiceRequest.number.in_(found))).all())
                for status in set(statuses.values()):
                    assert _pages(session, person, finder.Filters(q=q, statuses=(status,))) == [
                        n for n in newest if statuses[n] == status], (q, status)
        finally:
            event.remove(listen, "before_cursor_execute", record)
    assert longest >= 3  # the fixture is not trivial: pages of 2 are paged
    if database.engine.dialect.name == "postgresql" and username != "member1":
        # The path under test: a text's matches among a copied reason as an array of ids.
        assert any("= ANY (array((SELECT request_search.request_id" in s for s in statements)

