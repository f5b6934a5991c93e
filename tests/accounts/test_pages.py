"""Sign-in, sign-out and where the browser is sent afterwards."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from server.enums import Role
from server.http.session import SESSION_COOKIE
from server.models import AuthToken
from tests.web.conftest import csrf_from, sign_in


def _session_cookie_header(response, name: str = SESSION_COOKIE) -> str:
    return next(v for v in response.headers.get_list("set-cookie") if v.startswith(name + "="))


def test_sign_in_opens_a_server_side_session(client, make_person, database):
    make_person("mei", Role.member)
    response = sign_in(client, "mei")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = _session_cookie_header(response).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # LIANXIN_COOKIE_SECURE is off by default
    with database.read() as session:
        rows = session.scalars(select(AuthToken)).all()
    assert [(row.kind, row.revoked_at) for row in rows] == [("session", None)]
    assert rows[0].csrf_token


def test_secure_cookie_when_configured(make_person, app):
    app.state.settings = app.state.settings.model_copy(update={"cookie_secure": True})
    make_person("mei", Role.member)
    # Secure cookies travel over HTTPS only; the __Host- prefix makes browsers refuse one set
    # with a Domain or by a sibling subdomain.
    with TestClient(app, base_url="https://testserver") as client:
        response = sign_in(client, "mei")
        header = _session_cookie_header(response, "__Host-lianxin_session").lower()
        assert "secure" in header and "path=/" in header and "domain=" not in header
        assert not any(v.startswith(SESSION_COOKIE + "=") for v in response.headers.get_list("set-cookie"))
        # the session it opened is the one the next page reads
        assert client.get("/api/v1/auth/me").json()["username"] == "mei"
        assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_each_sign_in_gets_a_new_session_and_ends_the_old(client, make_person, database):
    make_person("mei", Role.member)
    first = sign_in(client, "mei").cookies[SESSION_COOKIE]
    second = sign_in(client, "mei").cookies[SESSION_COOKIE]
    assert first != second
    with database.read() as session:
        rows = session.scalars(select(AuthToken).order_by(AuthToken.id)).all()
    assert rows[0].revoked_at is not None and rows[1].revoked_at is None
    # A planted (fixated) id is worthless after sign-in.
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, first)
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_wrong_password_says_so_and_keeps_the_username(client, make_person):
    make_person("mei", Role.member)
    response = sign_in(client, "mei", password="wrong-pass-2")
    assert response.status_code == 401
    assert "用户名或密码错误。" in response.text
    assert 'name="username" type="text" value="mei"' in response.text
    assert SESSION_COOKIE not in response.cookies


def test_repeated_wrong_passwords_slow_the_sign_in_page_with_a_clear_message(client, make_person):
    from server.accounts.throttle import ACCOUNT_FAILURES

    make_person("mei", Role.member)
    for _ in range(ACCOUNT_FAILURES):
        sign_in(client, "mei", password="wrong-pass-2")
    response = sign_in(client, "mei")  # the right password, but it must wait now
    assert response.status_code == 429
    assert "登录失败次数过多，请 1 分钟后再试。" in response.text
    assert SESSION_COOKIE not in response.cookies


def test_unknown_user_gets_the_same_message(client):
    response = sign_in(client, "nobody", password="whatever-1")
    assert response.status_code == 401
    assert "用户名或密码错误。" in response.text


def test_sign_out_ends_the_session_on_the_server(client, make_person, database):
    make_person("mei", Role.member)
    secret = sign_in(client, "mei").cookies[SESSION_COOKIE]
    page = client.get("/")  # every page of the layout has the sign-out form
    response = client.post("/logout", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    with database.read() as session:
        assert session.scalars(select(AuthToken.revoked_at)).one() is not None
    # Replaying the old cookie does not sign anyone in.
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, secret)
    assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"


def test_sign_out_needs_the_csrf_token(signed_in):
    client = signed_in(Role.member)
    response = client.post("/logout", follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/", follow_redirects=False).status_code in (200, 303)
    assert "/login" not in client.get("/", follow_redirects=False).headers.get("location", "")


def test_next_brings_you_back_to_a_local_page(client, make_person):
    make_person("mei", Role.member)
    assert sign_in(client, "mei", next="/requests?page=2").headers["location"] == "/requests?page=2"


def test_next_to_another_site_is_refused(client, make_person):
    make_person("mei", Role.member)
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "/\tevil"):
        client.cookies.clear()
        assert sign_in(client, "mei", next=target).headers["location"] == "/", target


def test_login_page_drops_a_foreign_next(client):
    page = client.get("/login", params={"next": "https://evil.example/"}).text
    assert 'name="next" value="/"' in page


def test_signed_in_visitor_skips_the_login_form(signed_in):
    client = signed_in(Role.member)
    response = client.get("/login", params={"next": "/menu"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/menu"


def test_page_get_without_sign_in_redirects_to_login_with_next(client):
    response = client.get("/", params={"tab": "mine"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/%3Ftab%3Dmine"


def test_htmx_request_without_sign_in_gets_hx_redirect(client):
    response = client.get("/", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/desk?x=1"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/desk%3Fx%3D1"


def test_the_sign_in_page_says_what_this_is_and_how_to_get_a_password(client):
    page = client.get("/login").text
    assert "<h1 id=\"about-title\">连心</h1>" in page
    assert "党群服务中心" in page  # what Lianxin is, before anyone has an account
    assert "忘记密码" in page and "管理员" in page  # and where a password comes from
    english = client.get("/login", headers={"Accept-Language": "en"}).text
    assert "Forgot your password, or have no account yet?" in english


def test_the_installation_names_itself_on_the_sign_in_page(app):
    app.state.settings = app.state.settings.model_copy(update={
        "site_name": "望京 SOHO 党群服务中心",
        "site_about": "T1 座 3 层，工作日 9:00–18:00 <开放>",
        "site_password_help": "请到 1 层服务台或致电 6478 0000",
    })
    with TestClient(app, base_url="http://testserver") as client:
        page = client.get("/login").text
    assert "<title>登录 · 望京 SOHO 党群服务中心</title>" in page
    assert '<h1 id="about-title">望京 SOHO 党群服务中心</h1>' in page
    assert "T1 座 3 层，工作日 9:00–18:00 &lt;开放&gt;" in page  # the setting is text, escaped
    assert "请到 1 层服务台或致电 6478 0000" in page
