"""The desk resolves its session in its own read (server.http.session), not in the session
middleware: every answer the middleware's resolution led to must stay the same — a revoked
session fails the very next page or poll, the password guard still comes first, a person
without the role is refused, the signed-out are sent to sign in."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from server.accounts import service as account_service
from server.accounts.people_repository import person_by_username
from server.models import Person
from tests.requests.helpers import submit
from tests.requests.pages import worklist_support
from tests.requests.pages.worklist_support import HTMX

world = worklist_support.world
as_user = worklist_support.as_user

POLL = "/desk?part=queue"


def _revoke_all(database, username: str) -> None:
    database.run(lambda s: account_service.revoke_all_tokens(s, person_by_username(s, username)))


@pytest.mark.parametrize("url, headers", [("/desk", {}), (POLL, HTMX)])
def test_a_revoked_session_fails_the_very_next_desk_request(database, as_user, url, headers):
    submit(database, "member1", "union.join", answers={"people": 2})
    client = as_user("staff1")
    first = client.get(url, headers=headers)
    assert first.status_code == 200
    # Revoked elsewhere (another worker, an admin): no copy of the session is kept anywhere.
    _revoke_all(database, "staff1")
    again = client.get(url, headers={**headers, "If-None-Match": first.headers.get("ETag", "")},
                       follow_redirects=False)
    if headers:  # htmx is told where to go
        assert again.status_code == 401 and again.headers["HX-Redirect"].startswith("/login")
    else:
        assert again.status_code == 303 and again.headers["location"].startswith("/login")


def test_the_desk_of_the_signed_out_sends_them_to_sign_in(client):
    answer = client.get("/desk", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=/desk")


def test_the_password_guard_comes_before_the_desk(database, as_user):
    client = as_user("staff1")
    database.run(lambda s: s.execute(update(Person).where(Person.username == "staff1").values(must_change_password=True)))
    page = client.get("/desk", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/account/password?next=/desk"
    poll = client.get(POLL, headers=HTMX, follow_redirects=False)
    assert poll.status_code == 204 and poll.headers["HX-Redirect"].startswith("/account/password")


def test_a_member_may_not_open_the_desk(as_user):
    page = as_user("member1").get("/desk")
    assert page.status_code == 403
    assert "member1" in page.text or "退出" in page.text  # the refusal keeps the person's layout


def test_the_desk_shows_who_is_signed_in_and_logs_them(as_user, caplog):
    client = as_user("staff1")
    with caplog.at_level("INFO", logger="lianxin.http"):
        page = client.get("/desk")
    assert page.status_code == 200 and client.csrf in page.text  # the session's own CSRF token
    assert any(getattr(r, "path", None) == "/desk" and r.user == "staff1" for r in caplog.records)
