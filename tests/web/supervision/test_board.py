"""The public board 晒单 /board: this month's figures by department for everyone signed in,
and the red list; no name of a person or an enterprise anywhere on it."""

from __future__ import annotations

import re

from server.enums import Action, Rating
from server.metrics import service as metrics
from tests.requests.helpers import act, submit


def board_rows(html: str) -> dict[str, list[str]]:
    table = re.search(r'<section class="sv-section" aria-labelledby="board-departments">.*?</section>', html, re.S).group(0)
    return {
        re.search(r'<th scope="row">([^<]*)</th>', row).group(1): re.findall(r'<td class="num">([^<]*)</td>', row)
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    }


def test_everyone_signed_in_sees_the_months_figures_without_names(database, as_user):
    done = submit(database, "member1", "union.join", answers={"people": 2})
    act(database, "staff1", done.number, Action.claim)
    act(database, "staff1", done.number, Action.complete, note="done")
    act(database, "member1", done.number, Action.rate, rating=Rating.satisfied)
    submit(database, "member1", "union.join", answers={"people": 3})
    for username in ("member2", "contact2", "staff3", "dispatcher1", "supervisor1"):
        page = as_user(username).get("/board")
        assert page.status_code == 200, username
        html = page.text
        rows = board_rows(html)
        # requests, response, resolution, satisfaction, typical time to complete
        assert rows["union部"][:4] == ["2", "100.0%", "50.0%", "100.0%"], username
        assert rows["union部"][4].endswith("小时")
        assert rows["legal部"] == ["0", "—", "—", "—", "—"]
        # Anonymised: not the requester, the staff member, nor either enterprise.
        for name in ("Member1", "Staff1", "一号企业", "二号企业", "member1", "staff1"):
            assert name not in html, (username, name)


def test_a_person_without_a_role_may_read_it_too(signed_in):
    assert signed_in().get("/board").status_code == 200


def test_the_red_list_is_on_the_board_with_its_figures(as_user, world, monkeypatch):
    row = metrics.RedBlackRow(department_id=world.departments["care"].id, code="care", volume=9, composite=88.0,
                              overdue=0, satisfaction=0.95, response=1.0, return_rate=None, rework_rate=0.0, on_time=1.0)
    monkeypatch.setattr(metrics, "red_black", lambda session, month, now: metrics.RedBlack(month, [row], []))
    html = as_user("member2").get("/board").text
    red = re.search(r'<section class="sv-section sv-red".*?</section>', html, re.S).group(0)
    assert "care部" in red and ">88.0<" in red and ">95.0%<" in red and "<a " not in red


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/board", follow_redirects=False).headers["location"] == "/login?next=/board"


def test_the_board_reads_in_english(as_user):
    client = as_user("member2")
    client.cookies.set("lianxin_lang", "en")
    html = client.get("/board").text
    assert "Public board" in html and "Departments this month" in html and "Typical time to complete" in html
