"""The command line, through click's CliRunner against the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.enums import Action, Role
from server.models import AuditEntry, Person, ServiceRequest, utcnow
from tests.factories import build_world
from tests.requests.helpers import act, load, submit

ROOT = Path(__file__).resolve().parents[2]


def _count(database, model) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_seed_twice(cli, database):
    first = cli("seed")
    assert first.exit_code == 0, first.output
    assert "services" in first.output and "22 created" in first.output
    people = _count(database, Person)
    second = cli("seed")
    assert second.exit_code == 0
    assert " 0 created" in second.output and "already there" in second.output
    assert _count(database, Person) == people


def test_seed_demo_only_once(cli, database):
    result = cli("seed", "--demo")
    assert result.exit_code == 0, result.output
    assert _count(database, ServiceRequest) == 300
    again = cli("seed", "--demo")
    assert "no demo requests added" in again.output
    assert _count(database, ServiceRequest) == 300


def test_demo_data(cli, database):
    assert cli("seed").exit_code == 0
    result = cli("demo-data", "--requests", "50", "--days", "10")
    assert result.exit_code == 0, result.output
    assert "Added 50 requests" in result.output
    assert _count(database, ServiceRequest) == 50


def test_demo_data_without_seeds_fails_cleanly(cli):
    result = cli("demo-data", "--requests", "5")
    assert result.exit_code == 1
    assert "lianxin seed" in result.output and "Traceback" not in result.output


def test_create_user(cli, database):
    assert cli("seed").exit_code == 0
    result = cli(
        "create-user", "wang", "--name", "王五", "--role", "staff", "--role", "lead",
        "--department", "union", "--phone", "13700000000", "--password", "secret-123",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created wang (lead, staff)." in result.output
    with database.read() as session:
        person = session.scalar(select(Person).where(Person.username == "wang"))
        assert person.roles == {Role.staff, Role.lead} and person.department_id is not None


def test_create_user_prompts_for_password_twice(cli, database):
    result = cli("create-user", "li", "--name", "李四", "--role", "member", input="secret-123\nsecret-123\n")
    assert result.exit_code == 0, result.output
    assert "secret-123" not in result.output  # hidden input


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["member1", "--name", "X", "--role", "member"], "This username is taken."),
        (["zhao", "--name", "X", "--role", "staff"], "Staff and leads belong to a department."),
        (["zhao", "--name", "X", "--role", "staff", "--department", "nope"], "no department with the code 'nope'"),
        (["zhao", "--name", "X", "--role", "member", "--enterprise", "nope"], "no enterprise named 'nope'"),
        (["zhao", "--name", "  ", "--role", "member"], "A name is required."),
    ],
)
def test_create_user_mistakes(cli, args, message):
    assert cli("seed").exit_code == 0
    result = cli("create-user", *args, "--password", "secret-123")
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_create_user_weak_password(cli):
    result = cli("create-user", "zhao", "--name", "X", "--role", "member", "--password", "short")
    assert result.exit_code == 1 and "at least 8 characters" in result.output


def test_create_user_unknown_role(cli):
    result = cli("create-user", "zhao", "--name", "X", "--role", "king", "--password", "secret-123")
    assert result.exit_code == 2 and "king" in result.output



def test_sweep_closes_requests_left_unrated(database, cli):
    build_world(database)
    long_ago = utcnow() - timedelta(days=30)
    req = submit(database, "member1", "union.join", answers={"people": 1}, now=long_ago)
    act(database, "staff1", req.number, Action.claim, now=long_ago)
    act(database, "staff1", req.number, Action.complete, note="done", now=long_ago)
    result = cli("sweep")
    assert result.exit_code == 0, result.output
    assert "Closed 1 unrated request(s)." in result.output
    assert load(database, req.number).status == "closed"


def test_sweep_every_runs_as_a_worker_until_sigterm(database, db_url, settings):
    """`lianxin sweep --every N`, the worker process of docs/DEPLOY.md: sweeps at once, keeps
    running, and a process manager's SIGTERM ends it with status 0."""
    build_world(database)
    long_ago = utcnow() - timedelta(days=30)
    req = submit(database, "member1", "union.join", answers={"people": 1}, now=long_ago)
    act(database, "staff1", req.number, Action.claim, now=long_ago)
    act(database, "staff1", req.number, Action.complete, note="done", now=long_ago)
    env = {**os.environ, "DATABASE_URL": db_url, "LIANXIN_DATA_DIR": str(settings.data_dir), "PYTHONUNBUFFERED": "1"}
    worker = subprocess.Popen([sys.executable, "-m", "server.cli", "sweep", "--every", "3600"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = [worker.stdout.readline()]
        while "SIGTERM" not in lines[-1] and lines[-1] and len(lines) < 10:
            lines.append(worker.stdout.readline())  # (the sweeper's own log line is among them)
        assert "Closed 1 unrated request(s)." in lines[0], lines
        assert "Sweeping every 3600 s; SIGTERM or Ctrl-C stops." in lines[-1], lines
        assert worker.poll() is None  # still running
        worker.send_signal(signal.SIGTERM)
        rest, _ = worker.communicate(timeout=30)
    finally:
        worker.kill()
    assert worker.returncode == 0 and "Stopped." in rest
    assert load(database, req.number).status == "closed"


def test_create_user_contact_needs_an_enterprise(cli, database):
    """The CLI once made contacts of no enterprise: the people service's rule now refuses them."""
    assert cli("seed").exit_code == 0
    result = cli("create-user", "zhao", "--name", "赵六", "--role", "contact", "--password", "secret-123")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == ["Error: The account was not created: --enterprise: An enterprise contact belongs to an enterprise."]
    with database.read() as session:
        assert session.scalar(select(Person).where(Person.username == "zhao")) is None


def test_create_user_is_in_the_audit_trail(cli, database):
    assert cli("seed").exit_code == 0
    result = cli("create-user", "qian", "--name", "钱七", "--role", "member", "--password", "secret-123")
    assert result.exit_code == 0, result.output
    with database.read() as session:
        person = session.scalar(select(Person).where(Person.username == "qian"))
        entry = session.scalar(select(AuditEntry).where(AuditEntry.entity == "person", AuditEntry.entity_id == person.id))
        # No person did it: the actor is empty, the note names the command.
        assert entry.action == "create" and entry.actor_id is None and entry.note == "lianxin create-user"
        assert entry.after["username"] == "qian" and "password_hash" not in entry.after
        assert not person.must_change_password  # the operator chose the password
