"""Open311 API keys: the admin page (issue, shown once; list; revoke; CSRF; admins only),
the command line (`lianxin open311-key create|list|revoke`), both audited, and a key that
works until it is revoked."""

from __future__ import annotations

import re

from sqlalchemy import select

from server.models import AuditEntry, Open311Key
from server.open311 import keys
from tests.admin.pages import error_next_to, post, sign_in
from tests.cli.conftest import cli  # noqa: F401 - the fixture
from tests.open311.conftest import BASE, report


def _audit(database) -> list[tuple[str, str, int | None, str]]:
    with database.read() as session:
        return [(e.entity, e.action, e.actor_id, e.note) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "open311_key").order_by(AuditEntry.id))]


def _works(client, key: str) -> bool:
    return client.post(f"{BASE}/requests.json", data=report(key)).status_code == 200


def test_an_admin_issues_lists_and_revokes_a_key(client, database, world):
    sign_in(client, "admin1")
    assert "Open311" in client.get("/admin").text  # a section of the admin home
    page = post(client, "/admin/open311-keys", {"username": "member1", "label": "大堂自助机"})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    key = re.search(r'id="issued-key-value">([^<]+)<', page.text).group(1)
    assert _works(client, key)
    listing = client.get("/admin/open311-keys").text
    assert key not in listing  # shown once
    assert key[:8] in listing and "大堂自助机" in listing and "member1" in listing
    with database.read() as session:
        row = session.scalar(select(Open311Key))
        assert row.key_hash != key and row.created_by_id == world["admin1"].id and row.last_used_at is not None
    revoked = post(client, f"/admin/open311-keys/{row.id}/revoke")
    assert revoked.status_code == 303
    assert not _works(client, key)
    assert _audit(database) == [("open311_key", "create", world["admin1"].id, ""),
                                ("open311_key", "revoke", world["admin1"].id, "")]


def test_the_page_checks_its_input_csrf_and_role(client, database, world):
    sign_in(client, "admin1")
    refused = post(client, "/admin/open311-keys", {"username": "nobody"})
    assert refused.status_code == 422 and error_next_to(refused.text, "username") and "没有这个用户名的账号。" in refused.text
    no_token = client.post("/admin/open311-keys", data={"username": "member1"}, follow_redirects=False)
    assert no_token.status_code == 403
    assert _audit(database) == []
    other = sign_in(client.__class__(client.app), "member1")
    assert other.get("/admin/open311-keys").status_code == 403


def test_the_command_line_issues_lists_and_revokes(cli, database, world, client):  # noqa: F811
    created = cli("open311-key", "create", "--user", "member1", "--label", "kiosk")
    assert created.exit_code == 0, created.output
    lines = created.output.splitlines()
    assert len(lines) == 1  # the key alone on its own line
    key = lines[0]
    assert _works(client, key)
    listed = cli("open311-key", "list")
    assert key[:8] in listed.output and "member1" in listed.output and "active" in listed.output and key not in listed.output
    assert cli("open311-key", "revoke", key[:8]).exit_code == 0
    assert not _works(client, key)
    assert "revoked" in cli("open311-key", "list").output
    assert _audit(database) == [("open311_key", "create", None, "lianxin open311-key"),
                                ("open311_key", "revoke", None, "lianxin open311-key")]
    missing = cli("open311-key", "create", "--user", "nobody")
    assert missing.exit_code == 1 and "--user: There is no account with this username." in missing.output
    assert cli("open311-key", "revoke", "no-such-key").exit_code == 1


def test_keys_of_a_deactivated_account_stop_working(client, database, world):
    with database.write() as session:
        key = keys.issue(session, None, "member2").key
    assert _works(client, key)
    from server.models import Person

    with database.write() as session:
        session.get_one(Person, world["member2"].id).active = False
    assert not _works(client, key)


def test_the_page_and_the_command_line_issue_keys_to_the_same_accounts(cli, client, database, world):  # noqa: F811
    from server.models import Person

    with database.write() as session:
        session.get_one(Person, world["member2"].id).active = False
    sign_in(client, "admin1")
    for username, allowed in (("member1", True), ("nobody", False), ("member2", False)):
        page = post(client, "/admin/open311-keys", {"username": username})
        command = cli("open311-key", "create", "--user", username)
        assert (page.status_code == 200, command.exit_code == 0) == (allowed, allowed), username


def test_no_key_starts_with_a_dash(cli, database, world, monkeypatch):  # noqa: F811
    """A key's prefix is what `revoke` takes on the command line, where "-Ol5…" reads as an
    option (CI met one: 1 key in 64 would be refused)."""
    drawn, real = iter(["-Ol54NWD" + "a" * 32, "Zk" + "b" * 38]), keys.secrets.token_urlsafe
    monkeypatch.setattr(keys.secrets, "token_urlsafe", lambda n: next(drawn) if n == 30 else real(n))
    created = cli("open311-key", "create", "--user", "member1")
    assert created.exit_code == 0, created.output
    key = created.output.strip()
    assert key == "Zk" + "b" * 38
    assert cli("open311-key", "revoke", key[:8]).exit_code == 0
