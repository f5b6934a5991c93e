"""``lianxin backup`` / ``restore``: a consistent copy of the SQLite database and the
attachments, taken while requests keep arriving, that restores to a database holding every
request acknowledged before the backup began, with its integrity check ok."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from server import backup as backups
from server.models import ServiceRequest
from tests.conftest import TEST_DATABASE_URL
from tests.factories import build_world
from tests.requests.helpers import submit

sqlite_only = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="backup/restore is for SQLite; PostgreSQL uses pg_dump")


@sqlite_only
def test_backup_under_write_load_restores_every_acknowledged_request(database, db_url, settings, tmp_path):
    build_world(database)
    attachments = settings.attachments_dir
    (attachments / "ab").mkdir(parents=True)
    (attachments / "ab" / "abcdef.png").write_bytes(b"\x89PNG" + bytes(range(256)))
    acknowledged: list[str] = []
    stop = threading.Event()

    def keep_submitting():
        while not stop.is_set():
            acknowledged.append(submit(database, "member1", "union.join", answers={"people": 2}).number)

    writer = threading.Thread(target=keep_submitting)
    writer.start()
    try:
        while len(acknowledged) < 20:
            stop.wait(0.01)
        before = list(acknowledged)
        archive = tmp_path / "backup.tar.gz"
        summary = backups.backup(db_url, attachments, archive)
    finally:
        stop.set()
        writer.join()
    assert summary.requests >= len(before) and summary.attachments == 1

    restored_url = f"sqlite:///{tmp_path / 'restored' / 'lianxin.db'}"
    restored_attachments = tmp_path / "restored" / "attachments"
    result = backups.restore(archive, restored_url, restored_attachments)
    assert result.requests == summary.requests
    with sqlite3.connect(tmp_path / "restored" / "lianxin.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        numbers = {row[0] for row in conn.execute("SELECT number FROM service_request")}
        events = conn.execute("SELECT count(*) FROM request_event e JOIN service_request r ON r.id = e.request_id").fetchone()[0]
    assert set(before) <= numbers and len(numbers) == summary.requests
    assert events >= 2 * len(numbers)  # submit and dispatch of each, none lost
    assert (restored_attachments / "ab" / "abcdef.png").read_bytes() == b"\x89PNG" + bytes(range(256))


@sqlite_only
def test_restore_keeps_what_it_replaces_and_refuses_a_bad_archive(database, db_url, settings, tmp_path):
    build_world(database)
    submit(database, "member1", "union.join", answers={"people": 2})
    archive = tmp_path / "b.tar.gz"
    backups.backup(db_url, settings.attachments_dir, archive)
    target = tmp_path / "live"
    target.mkdir()
    (target / "lianxin.db").write_bytes(b"old")
    backups.restore(archive, f"sqlite:///{target / 'lianxin.db'}", target / "attachments")
    assert (target / "lianxin.db.before-restore").read_bytes() == b"old"
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a tarball")
    with pytest.raises(backups.BackupError, match="not a Lianxin backup"):
        backups.restore(broken, f"sqlite:///{target / 'lianxin.db'}", target / "attachments")
    assert (target / "lianxin.db").stat().st_size > 3  # the restored one is still in place


def test_the_command_line_backs_up_or_names_pg_dump(cli, database, db_url, tmp_path):
    build_world(database)
    result = cli("backup", str(tmp_path / "b.tar.gz"))
    if TEST_DATABASE_URL:
        assert result.exit_code == 1 and "pg_dump" in result.output
    else:
        assert result.exit_code == 0, result.output
        assert "Backed up 0 requests" in result.output
        assert Path(tmp_path / "b.tar.gz").is_file()
        with database.read() as session:
            assert session.scalars(select(ServiceRequest)).all() == []
