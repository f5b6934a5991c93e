"""`lianxin webhook add|list|remove|test`: the same service and rules as /admin/webhooks,
clear one-line errors, the secret shown once, a test message with the receiver's answer."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from server.cli import main
from server.config import get_settings
from server.models import AuditEntry, Webhook
from tests.factories import build_world
from tests.notifications.webhook_receiver import running_receiver


@pytest.fixture
def cli(database, db_url, monkeypatch):
    """Run ``lianxin`` against this test's database (as tests/cli/conftest.py does)."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    yield run
    get_settings.cache_clear()


@pytest.fixture
def receiver():
    yield from running_receiver()


def _hooks(database) -> list[Webhook]:
    with database.read() as session:
        return list(session.scalars(select(Webhook).order_by(Webhook.id)))


def test_add_list_remove(cli, database):
    build_world(database)
    added = cli("webhook", "add", "https://hooks.example/lianxin", "--department", "union",
                "--event", "new_task")
    assert added.exit_code == 0, added.output
    (hook,) = _hooks(database)
    assert added.output == f"Added webhook {hook.id}.\nIts secret, shown only now: {hook.secret}\n"
    assert hook.format == "generic" and hook.event_types == ["new_task"] and hook.created_by is None

    robot = cli("webhook", "add", "https://oapi.dingtalk.com/robot/send?access_token=TOKEN", "--format", "dingtalk",
                "--secret", "SECxyz123456")
    assert robot.exit_code == 0 and "secret" not in robot.output  # given by the operator: not echoed

    listing = cli("webhook", "list")
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert len(lines) == 2
    assert "dingtalk" in lines[0] and "(all)" in lines[0] and "https://oapi.dingtalk.com/robot/send?…" in lines[0]
    assert "TOKEN" not in listing.output and "SECxyz123456" not in listing.output and hook.secret not in listing.output
    assert "union" in lines[1] and "new_task" in lines[1]

    removed = cli("webhook", "remove", str(hook.id))
    assert removed.exit_code == 0 and removed.output == f"Removed webhook {hook.id}.\n"
    assert [h.format for h in _hooks(database)] == ["dingtalk"]
    with database.read() as session:
        notes = [e.note for e in session.scalars(select(AuditEntry).where(AuditEntry.entity == "webhook")
                                                 .order_by(AuditEntry.id))]
    assert notes == ["lianxin webhook add", "lianxin webhook add", "lianxin webhook remove"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://hooks.example/x"], "URL: Only http:// and https:// addresses can receive webhooks."),
        (["hooks.example/x"], "URL: Only http:// and https:// addresses can receive webhooks."),
        (["https://hooks.example/x", "--department", "nope"], "--department: There is no department with this code."),
        (["https://qyapi.weixin.qq.com/x?key=k", "--format", "wecom", "--secret", "s"],
         "--secret: WeCom group robots do not sign messages: leave the secret empty."),
        (["https://hooks.example/x", "--event", "Not A Type"], "--event: Event types look like new_task"),
    ],
)
def test_add_refuses_with_a_clear_message(cli, database, args, message):
    result = cli("webhook", "add", *args)
    assert result.exit_code == 1
    assert "The webhook was not added: " + message in result.output
    assert "Traceback" not in result.output and _hooks(database) == []


def test_unknown_format_is_refused_by_the_option(cli, database):
    result = cli("webhook", "add", "https://hooks.example/x", "--format", "slack")
    assert result.exit_code == 2 and "'slack' is not one of" in result.output


@pytest.mark.parametrize("verb", ["remove", "test"])
def test_unknown_id(cli, database, verb):
    result = cli("webhook", verb, "99")
    assert result.exit_code == 1 and "There is no webhook 99." in result.output


def test_test_message_shows_the_answer(cli, database, receiver, monkeypatch):
    monkeypatch.setenv("LIANXIN_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")
    cli("webhook", "add", receiver.url(), "--secret", "s3cret")
    (hook,) = _hooks(database)
    result = cli("webhook", "test", str(hook.id))
    assert result.exit_code == 0 and result.output.startswith("Delivered: HTTP 200")
    assert receiver.received[0].json["type"] == "webhook.test"

    receiver.answer("/hook", 503, b"maintenance")
    failed = cli("webhook", "test", str(hook.id))
    assert failed.exit_code == 1 and "The test message was not delivered: HTTP 503: maintenance" in failed.output


def test_test_to_a_refused_address(cli, database):
    cli("webhook", "add", "http://127.0.0.1:9/hook")
    (hook,) = _hooks(database)
    result = cli("webhook", "test", str(hook.id))
    assert result.exit_code == 1
    assert "refused: 127.0.0.1 is a loopback address; list it in LIANXIN_WEBHOOK_ALLOW_HOSTS" in result.output


PARITY_INPUTS = [
    ("https://hooks.example/a", "generic", "", ""),
    ("http://hooks.example:8080/a?x=1", "dingtalk", "", "SECabc"),
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "wecom", "union", ""),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/x", "feishu", "", "fs"),
    ("ftp://hooks.example/a", "generic", "", ""),
    ("https://hooks.example:99999/a", "generic", "", ""),
    ("https://u:p@hooks.example/a", "generic", "", ""),
    ("https://hooks.example/a", "wecom", "", "secret"),
    ("https://hooks.example/a", "generic", "nope", ""),
]


def test_the_page_and_the_command_accept_and_refuse_alike(cli, database, settings):
    """Door parity: the same inputs, the same verdict (and the same row when accepted)."""
    from fastapi.testclient import TestClient

    from server.app import create_app
    from tests.admin.pages import post, sign_in

    build_world(database)
    with TestClient(create_app(settings, database), base_url="http://testserver") as client:
        sign_in(client, "admin1")
        for url, format, department, secret in PARITY_INPUTS:
            page = post(client, "/admin/webhooks", {"url": url, "format": format, "department": department,
                                                    "secret": secret})
            args = ["webhook", "add", url, "--format", format] + (["--department", department] if department else []) \
                + (["--secret", secret] if secret else [])
            command = cli(*args)
            assert (page.status_code == 200) == (command.exit_code == 0), (url, format, page.status_code, command.output)
            assert page.status_code in (200, 422)
    hooks = _hooks(database)
    accepted = [(h.url, h.format, h.department_id) for h in hooks]
    assert accepted[0::2] == accepted[1::2] and len(hooks) == 8
