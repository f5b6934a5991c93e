"""/admin/webhooks: admins only, forms with CSRF, errors next to their fields, the secret shown
once and masked after, the robots' keys hidden, removal and a test message with its answer,
each change in the audit trail without the secret."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from server.app import create_app
from server.models import AuditEntry, Webhook
from tests.admin.pages import error_next_to, post, sign_in
from tests.factories import build_world
from tests.notifications.webhook_receiver import allow_loopback, running_receiver


@pytest.fixture
def world(database):
    return build_world(database)


@pytest.fixture
def receiver():
    yield from running_receiver()


@pytest.fixture
def client(settings, database, world, monkeypatch):
    with TestClient(create_app(allow_loopback(monkeypatch), database), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def admin_client(client):
    return sign_in(client, "admin1")


def _hooks(database) -> list[Webhook]:
    with database.read() as session:
        return list(session.scalars(select(Webhook).order_by(Webhook.id)))


def test_only_admins(client):
    sign_in(client, "dispatcher1")
    assert client.get("/admin/webhooks").status_code == 403
    assert post(client, "/admin/webhooks", {"url": "https://hooks.example/x", "format": "generic"}).status_code == 403


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get("/admin/webhooks", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login?next=/admin/webhooks")


def test_in_the_admin_sections(admin_client):
    assert 'href="/admin/webhooks"' in admin_client.get("/admin").text


def test_add_shows_the_secret_once_then_masks_it(admin_client, database):
    response = post(admin_client, "/admin/webhooks", {"url": "https://hooks.example/lianxin", "format": "generic",
                                                      "department": "union", "event_types": "new_task, claimed"})
    assert response.status_code == 200
    (hook,) = _hooks(database)
    assert hook.secret.startswith("whsec_") and len(hook.secret) > 30
    assert hook.secret in response.text  # shown in the answer to the addition
    assert hook.event_types == ["claimed", "new_task"]
    listing = admin_client.get("/admin/webhooks").text
    assert hook.secret not in listing and "••••" + hook.secret[-4:] in listing
    assert "union部" in listing and "https://hooks.example/lianxin" in listing
    # The events by their names (as people choose notifications), their codes beside.
    from server.notifications.recipients import LABELS
    from server.web.i18n import gettext_for

    named = gettext_for("zh-Hans")(LABELS["new_task"])
    assert named != LABELS["new_task"] and f"{named} <code>new_task</code>" in listing


def test_robot_keys_in_addresses_are_hidden(admin_client, database):
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-secret-key"
    assert post(admin_client, "/admin/webhooks", {"url": url, "format": "wecom"}).status_code == 200
    listing = admin_client.get("/admin/webhooks").text
    assert "693a91f6-secret-key" not in listing and "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…" in listing
    assert _hooks(database)[0].url == url and _hooks(database)[0].department_id is None


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"url": "ftp://hooks.example/x", "format": "generic"}, "url"),
        ({"url": "javascript:alert(1)", "format": "generic"}, "url"),
        ({"url": "", "format": "generic"}, "url"),
        ({"url": "https://user:pw@hooks.example/x", "format": "generic"}, "url"),
        ({"url": "https://hooks.example/x", "format": "slack"}, "format"),
        ({"url": "https://hooks.example/x", "format": "wecom", "secret": "abc"}, "secret"),
        ({"url": "https://hooks.example/x", "format": "generic", "department": "nope"}, "department"),
        ({"url": "https://hooks.example/x", "format": "generic", "event_types": "Bad Type"}, "event_types"),
        ({"url": "https://hooks.example/x", "format": "generic", "event_types": "request.dispatched"}, "event_types"),
        ({"url": "https://hooks.example/" + "x" * 2001, "format": "generic"}, "url"),
    ],
)
def test_bad_input_is_marked_and_kept(admin_client, database, form, field):
    response = post(admin_client, "/admin/webhooks", form)
    assert response.status_code == 422
    assert error_next_to(response.text, field)
    assert _hooks(database) == []


def test_without_csrf_nothing_is_added(admin_client, database):
    response = admin_client.post("/admin/webhooks", data={"url": "https://hooks.example/x", "format": "generic"},
                                 follow_redirects=False)
    assert response.status_code == 403
    assert _hooks(database) == []


def test_remove(admin_client, database):
    post(admin_client, "/admin/webhooks", {"url": "https://hooks.example/x", "format": "feishu", "secret": "fs"})
    (hook,) = _hooks(database)
    response = post(admin_client, f"/admin/webhooks/{hook.id}/delete")
    assert response.status_code == 303 and response.headers["location"] == "/admin/webhooks?removed=1"
    assert _hooks(database) == []
    assert post(admin_client, f"/admin/webhooks/{hook.id}/delete").status_code == 404


def test_audit_trail_without_the_secret(admin_client, database):
    post(admin_client, "/admin/webhooks", {"url": "https://hooks.example/x", "format": "dingtalk", "secret": "SECsecret"})
    (hook,) = _hooks(database)
    post(admin_client, f"/admin/webhooks/{hook.id}/delete")
    with database.read() as session:
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.entity == "webhook").order_by(AuditEntry.id)))
    assert [e.action for e in entries] == ["create", "delete"]
    assert all(e.actor_id is not None for e in entries)
    assert "SECsecret" not in repr([(e.before, e.after, e.entity_label) for e in entries])
    assert entries[0].after["url"] == "https://hooks.example/x"


def test_send_a_test_message(admin_client, database, receiver):
    post(admin_client, "/admin/webhooks", {"url": receiver.url(), "format": "generic"})
    (hook,) = _hooks(database)
    response = post(admin_client, f"/admin/webhooks/{hook.id}/test")
    assert response.status_code == 200
    assert 'id="admin-notice"' in response.text and "HTTP 200" in response.text
    (got,) = receiver.received
    assert got.json["type"] == "webhook.test"


def test_a_failed_test_shows_the_answer(admin_client, database, receiver):
    receiver.answer("/hook", 500, b"receiver is down")
    post(admin_client, "/admin/webhooks", {"url": receiver.url(), "format": "generic"})
    (hook,) = _hooks(database)
    response = post(admin_client, f"/admin/webhooks/{hook.id}/test")
    assert 'id="admin-failure"' in response.text and "HTTP 500: receiver is down" in response.text


def test_a_refused_address_shows_why(admin_client, database):
    post(admin_client, "/admin/webhooks", {"url": "http://10.1.2.3/hook", "format": "generic"})
    (hook,) = _hooks(database)
    response = post(admin_client, f"/admin/webhooks/{hook.id}/test")
    assert 'id="admin-failure"' in response.text and "10.1.2.3" in response.text
    assert "LIANXIN_WEBHOOK_ALLOW_HOSTS" in response.text
