"""Webhooks in the database: which hooks an event goes to, adding (validated, a secret made for
the generic format) and removing with audit entries, and a department's hooks going with it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.departments import service as department_service
from server.errors import InvalidInput
from server.models import AuditEntry, Department, Webhook
from server.notifications import webhooks_service
from server.notifications.webhooks import hooks_for
from server.notifications.webhooks_repository import hook_ids_for
from server.notifications.webhooks_service import WebhookInput
from tests.factories import create_department


@pytest.fixture
def departments(database):
    with database.write() as session:
        return {code: create_department(session, code).id for code in ("union", "legal")}


def _add(database, url, note="", **kwargs) -> int:
    with database.write() as session:
        return webhooks_service.add(session, None, WebhookInput(url=url, **kwargs), note=note).id


def test_the_cached_hook_ids_follow_every_change(database, departments):
    """hook_ids_for reads the catalogue snapshot, cached per process: adding, switching off
    and removing a hook bump the catalogue's revision, so the next event sees the change."""

    def both(department_id, event_type):
        with database.read() as session:
            ids = hook_ids_for(session, department_id, event_type)
            assert ids == [h.id for h in hooks_for(session, department_id, event_type=event_type)]
            return ids

    union = departments["union"]
    assert both(union, "new_task") == []  # the snapshot is cached now
    everyone = _add(database, "https://hooks.example/all")
    mine = _add(database, "https://hooks.example/union", department_code="union", event_types=["new_task"])
    _add(database, "https://hooks.example/legal", department_code="legal")
    assert both(union, "new_task") == [everyone, mine]
    assert both(union, "claimed") == [everyone]
    assert both(None, "new_task") == [everyone]
    with database.write() as session:
        session.get(Webhook, everyone).active = False
    assert both(union, "new_task") == [mine]
    with database.write() as session:
        webhooks_service.remove(session, None, session.get(Webhook, mine))
    assert both(union, "new_task") == []


def test_hooks_for_a_department_and_the_installation(database, departments):
    everyone = _add(database, "https://hooks.example/all")
    union = _add(database, "https://hooks.example/union", department_code="union")
    _add(database, "https://hooks.example/legal", department_code="legal")
    only_new = _add(database, "https://hooks.example/new", event_types=["new_task"])
    off = _add(database, "https://hooks.example/off")
    with database.write() as session:
        session.get(Webhook, off).active = False
    with database.read() as session:
        assert [h.id for h in hooks_for(session, departments["union"])] == [everyone, union, only_new]
        assert [h.id for h in hooks_for(session, None)] == [everyone, only_new]
        assert [h.id for h in hooks_for(session, departments["union"], event_type="claimed")] == [everyone, union]
        assert [h.id for h in hooks_for(session, departments["union"], event_type="new_task")] == [
            everyone, union, only_new]


def test_generic_gets_a_secret_robots_keep_theirs(database, departments):
    generic = _add(database, "https://hooks.example/a")
    given = _add(database, "https://hooks.example/b", secret="mine")
    wecom = _add(database, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", format="wecom")
    with database.read() as session:
        secrets = [session.get(Webhook, i).secret for i in (generic, given, wecom)]
    assert secrets[0].startswith("whsec_") and len(secrets[0]) >= 40
    assert secrets[1:] == ["mine", ""]
    assert _add(database, "https://hooks.example/c") != generic
    with database.read() as session:
        assert len({h.secret for h in session.scalars(select(Webhook).where(Webhook.format == "generic"))}) == 3


def test_invalid_input_names_each_field(database):
    with pytest.raises(InvalidInput) as refused, database.write() as session:
        webhooks_service.add(session, None, WebhookInput(url="ftp://x", format="telegram", department_code="nope",
                                                         secret="s"))
    assert set(refused.value.errors) == {"url", "format", "department"}
    with database.read() as session:
        assert session.scalar(select(Webhook)) is None


def test_remove_is_audited(database, departments):
    hook_id = _add(database, "https://hooks.example/a", format="feishu", secret="fs-secret", note="lianxin webhook add")
    with database.write() as session:
        webhooks_service.remove(session, None, webhooks_service.get(session, hook_id), note="lianxin webhook remove")
    with database.read() as session:
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.entity == "webhook").order_by(AuditEntry.id)))
        assert [(e.action, e.entity_id, e.note) for e in entries] == [
            ("create", hook_id, "lianxin webhook add"), ("delete", hook_id, "lianxin webhook remove")]
        assert "fs-secret" not in repr([(e.before, e.after) for e in entries])
        assert session.get(Webhook, hook_id) is None


def test_a_departments_hooks_go_with_it(database, departments):
    hook_id = _add(database, "https://hooks.example/legal", department_code="legal")
    everyone = _add(database, "https://hooks.example/all")
    with database.write() as session:
        department_service.delete(session, None, session.get(Department, departments["legal"]))
    with database.read() as session:
        assert session.get(Webhook, hook_id) is None and session.get(Webhook, everyone) is not None
