"""What POST files and what GET requests lists: the same request as any other (routed,
numbered, with its due time), its latest public note, the 90-day window and the filters, a
fixed number of queries however many requests are listed, and no personal data ever."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.enums import Action, RequestStatus
from server.models import Open311Key, Open311Request, utcnow
from tests.open311.conftest import BASE, report
from tests.requests.helpers import act, load, submit

REPORTER = {"first_name": "Xiaoming", "last_name": "Wangsurname", "email": "xiaoming.reporter@example.cn",
            "phone": "13912345678"}


def file(client, key, **fields) -> str:
    response = client.post(f"{BASE}/requests.json", data=report(key, **fields))
    assert response.status_code == 200, response.text
    return response.json()[0]["service_request_id"]


def test_a_posted_request_is_filed_like_any_other(client, key, database, world):
    number = file(client, key, media_url="https://example.cn/photo.jpg", **REPORTER)
    request = load(database, number)
    assert request.requester_id == world["member1"].id  # the key's account
    assert request.status == RequestStatus.dispatched  # routed by the service's rule
    assert request.department_id == world.departments["union"].id
    assert request.contact_phone == "13912345678"  # stored as for other requests
    assert (request.floor, request.room) == ("3", "301")
    assert request.complete_due_at is not None and request.claim_due_at is not None
    with database.read() as session:
        extra = session.scalar(select(Open311Request).where(Open311Request.request_id == request.id))
        used = session.scalar(select(Open311Key)).last_used_at
    assert (extra.first_name, extra.last_name, extra.email) == ("Xiaoming", "Wangsurname", "xiaoming.reporter@example.cn")
    assert extra.media_url == "https://example.cn/photo.jpg"
    assert used is not None
    # The next request through the door gets the next number of the day.
    second = file(client, key)
    assert int(second[-4:]) == int(number[-4:]) + 1


def test_no_personal_data_in_any_get(client, key, database, world):
    number = file(client, key, media_url="https://example.cn/p.jpg", **REPORTER)
    act(database, "staff1", number, Action.claim)
    member = world["member1"]
    personal = [REPORTER["first_name"], REPORTER["last_name"], REPORTER["email"], REPORTER["phone"],
                "13800138000", member.username, member.display_name, "staff1", "Staff1"]
    urls = [f"{BASE}/{path}.{fmt}" for fmt in ("json", "xml") for path in (
        "discovery", "services", "services/union.join", "requests", f"requests/{number}", f"tokens/{number}")]
    urls += [f"{BASE}/requests.json?service_request_id={number}", f"{BASE}/requests.xml?status=open"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        for text in personal:
            assert text not in response.text, (url, text)
    # The public fields are there.
    [document] = client.get(f"{BASE}/requests/{number}.json").json()
    assert document["media_url"] == "https://example.cn/p.jpg" and document["description"] == "想为新同事办理入会"


def test_status_notes_is_the_latest_public_note(client, key, database):
    number = file(client, key)
    act(database, "staff1", number, Action.claim)
    act(database, "staff1", number, Action.suspend, note="等您补充材料")
    act(database, "staff1", number, Action.resume)
    [document] = client.get(f"{BASE}/requests/{number}.json").json()
    assert document["status"] == "open" and document["status_notes"] == "等您补充材料"
    act(database, "staff1", number, Action.complete, note="已办结：入会手续完成")
    [document] = client.get(f"{BASE}/requests/{number}.json").json()
    assert document["status"] == "closed" and document["status_notes"] == "已办结：入会手续完成"


def test_requests_filed_elsewhere_are_listed_too(client, database, world):
    number = submit(database, "member2", "legal.aid", contact_phone="13700000000").number
    assert client.get(f"{BASE}/tokens/{number}.json").status_code == 404  # not filed through Open311
    [document] = client.get(f"{BASE}/requests.json").json()
    assert document["service_request_id"] == number
    assert document["lat"] is None and document["media_url"] is None
    assert document["agency_responsible"] == "legal部"


def test_words_written_in_lianxins_forms_stay_private(client, key, database, world):
    """A request made in Lianxin's own form was written for its department, not the public:
    Open311 shows its service, state and building, never its description or room."""
    words = "我在公司遇到劳动纠纷，想咨询律师"
    private = submit(database, "member2", "legal.aid", description=words,
                     building_code="A1", floor="2", room="205").number
    public = file(client, key, description="走廊灯不亮")
    documents = {d["service_request_id"]: d for d in client.get(f"{BASE}/requests.json").json()}
    assert documents[private]["description"] is None
    assert documents[private]["address"] == "A1栋" and documents[private]["address_id"] == "A1"
    assert documents[public]["description"] == "走廊灯不亮" and "301" in documents[public]["address_id"]
    for fmt in ("json", "xml"):
        assert words not in client.get(f"{BASE}/requests/{private}.{fmt}").text


def test_the_ninety_day_window(client, database, world):
    now = utcnow()
    old = submit(database, "member1", "legal.aid", now=now - timedelta(days=120)).number
    recent = submit(database, "member1", "legal.aid", now=now - timedelta(days=10)).number
    listed = lambda query="": [d["service_request_id"] for d in client.get(f"{BASE}/requests.json{query}").json()]  # noqa: E731
    assert listed() == [recent]  # the last 90 days by default
    start = (now - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - timedelta(days=50)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert listed(f"?start_date={start}&end_date={end}") == [old]
    assert listed(f"?start_date={start}") == [old]  # 90 days from the start
    assert listed(f"?end_date={end}") == [old]  # 90 days up to the end
    # A list of ids overrides every other filter, the window included.
    assert sorted(listed(f"?service_request_id={old},{recent}&status=closed&service_code=union.join")) == sorted([old, recent])


def test_status_and_service_code_filters(client, key, database, world):
    union = file(client, key)
    legal = submit(database, "member1", "legal.aid").number
    cancelled = submit(database, "member1", "misc.other").number
    act(database, "member1", cancelled, Action.cancel)
    listed = lambda query: sorted(d["service_request_id"] for d in client.get(f"{BASE}/requests.json{query}").json())  # noqa: E731
    assert listed("?status=open") == sorted([union, legal])
    assert listed("?status=closed") == [cancelled]
    assert listed("?status=open,closed") == sorted([union, legal, cancelled])
    assert listed("?service_code=union.join,legal.aid") == sorted([union, legal])
    assert listed("?service_code=misc.other&status=open") == []


def test_get_requests_costs_the_same_queries_for_one_or_many(client, key, database, count_queries):
    file(client, key)
    with count_queries(database) as one:
        assert len(client.get(f"{BASE}/requests.json").json()) == 1
    for _ in range(12):
        file(client, key)
    with count_queries(database) as many:
        assert len(client.get(f"{BASE}/requests.json").json()) == 13
    assert many.count == one.count <= 5, many


def test_at_most_a_thousand_results(monkeypatch, client, key, database):
    from server.open311 import rules

    monkeypatch.setattr(rules, "MAX_RESULTS", 3)
    numbers = [file(client, key) for _ in range(4)]
    listed = [d["service_request_id"] for d in client.get(f"{BASE}/requests.json").json()]
    assert listed == numbers[:0:-1]  # the newest three


def test_the_staff_see_the_reporter_on_the_request_page(client, key, database):
    from tests.admin.pages import sign_in

    number = file(client, key, media_url="https://example.cn/photo.jpg", **REPORTER)
    staff = sign_in(client.__class__(client.app), "staff1")
    page = staff.get(f"/requests/{number}").text
    assert 'id="open311-report"' in page and "Xiaoming Wangsurname" in page
    assert 'href="mailto:xiaoming.reporter@example.cn"' in page and 'href="https://example.cn/photo.jpg"' in page
    requester = sign_in(client.__class__(client.app), "member1").get(f"/requests/{number}").text
    assert "xiaoming.reporter@example.cn" not in requester
