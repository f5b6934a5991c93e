"""Choosing the language and formatting in it."""

from __future__ import annotations

from datetime import UTC, datetime

from server.enums import Role
from server.web.i18n import environment, make_filters
from tests.web.conftest import sign_in


def _title(html: str) -> str:
    return html.split("<title>")[1].split("</title>")[0]


def test_default_is_simplified_chinese(client):
    page = client.get("/login").text
    assert '<html lang="zh-Hans">' in page and _title(page) == "登录 · 连心"


def test_accept_language_is_honoured(client):
    assert _title(client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).text) == "Sign in · Lianxin"
    assert _title(client.get("/login", headers={"Accept-Language": "zh-TW"}).text) == "登入 · 連心"


def test_switcher_sets_a_cookie_that_beats_accept_language(client):
    response = client.get("/lang/zh-Hant", params={"next": "/login?next=/menu"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/menu"
    assert response.cookies["lianxin_lang"] == "zh-Hant"
    page = client.get("/login", headers={"Accept-Language": "en"}).text
    assert '<html lang="zh-Hant">' in page


def test_switcher_refuses_foreign_next_and_unknown_locales(client):
    response = client.get("/lang/xx", params={"next": "https://evil.example/"}, follow_redirects=False)
    assert response.headers["location"] == "/" and "lianxin_lang" not in response.cookies


def test_switcher_links_come_back_here(client):
    page = client.get("/login", params={"next": "/menu"}).text
    assert 'href="/lang/en?next=/login%3Fnext%3D%252Fmenu"' in page  # the query stays encoded inside
    assert 'aria-current="true">简体</a>' in page


def test_person_locale_beats_accept_language(client, make_person):
    make_person("ada", Role.member, locale="en")
    sign_in(client, "ada")
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "zh-CN"}).text


def test_roles_are_translated(signed_in, client):
    signed_in(Role.lead)
    client.cookies.set("lianxin_lang", "en")
    page = client.get("/", follow_redirects=False).text  # a lead's home: their tasks
    assert "Department lead" in page and "My tasks: overdue and due soon" in page
    signed_in(Role.lead, Role.admin)
    page = client.get("/").text
    assert "Department lead" in page and "Administrator" in page and "Department desk" in page


def test_filters_format_in_the_centres_time_zone():
    moment = datetime(2026, 11, 26, 6, 30, tzinfo=UTC)  # 14:30 in Shanghai
    hans = make_filters("zh-Hans")
    assert "14:30" in hans["dt"](moment)
    assert hans["date"](moment) == "2026年11月26日"
    assert hans["number"](1234567.5) == "1,234,567.5"
    assert make_filters("en")["date"](datetime(2026, 11, 26, 20, 0, tzinfo=UTC)) == "Nov 27, 2026"
    assert make_filters("en")["percent"](0.875) == "88%"
    assert make_filters("zh-Hans")["dt"](None) == ""


def test_localized_and_msg_filters():
    from server.errors import Msg

    env = environment("zh-Hant")
    template = env.from_string("{{ texts|localized }} {{ error|msg }}")
    out = template.render(texts={"zh-Hans": "法律援助", "zh-Hant": "法律援助（繁）"}, error=Msg("At most {limit} characters.", limit=5))
    assert out == "法律援助（繁） 最多 5 個字元。"


def test_trans_blocks_escape_their_variables():
    template = environment("en").from_string("{% trans name=name %}Welcome, {{ name }}{% endtrans %}")
    assert template.render(name="<b>x</b>") == "Welcome, &lt;b&gt;x&lt;/b&gt;"
