"""``lianxin backup FILE`` and ``lianxin restore FILE`` for the embedded SQLite installation.

A backup is one ``.tar.gz`` holding ``lianxin.db`` — taken with SQLite's online backup API,
so it is a consistent snapshot even while the server keeps writing — and ``attachments/``.
The files are copied after the snapshot: an attachment's file is written before its row is
committed, so every file the snapshot names is already on disk (a few newer, unreferenced
files may come along; they are harmless). PostgreSQL installations back up with ``pg_dump``
(docs/DEPLOY.md, "Backups").

With attachments in an object store (``LIANXIN_STORAGE=s3``) the backup holds the database only
and the command says where the files are: a bucket is backed up by the store's own means
(versioning, replication, a mirror), copied after the database for the same reason.

Restore unpacks into the data directory of a stopped installation, checks the database with
``PRAGMA integrity_check`` before it replaces anything, and keeps what it replaces beside it
(``*.before-restore``)."""

from __future__ import annotations

import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

DB_NAME = "lianxin.db"
ATTACHMENTS = "attachments"


class BackupError(Exception):
    """What the command prints, in English, before exiting with status 1."""


@dataclass(frozen=True)
class Summary:
    requests: int
    attachments: int
    bytes: int


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError("lianxin backup works on the SQLite database; back up PostgreSQL with pg_dump (see README).")
    return Path(url.database)


def backup(database_url: str, attachments_dir: Path | None, target: Path) -> Summary:
    """Snapshot the database into ``target``, with the files of ``attachments_dir`` (None:
    the attachments are not on local disk, the backup holds the database alone)."""
    source_path = sqlite_path(database_url)
    if not source_path.is_file():
        raise BackupError(f"There is no database at {source_path}.")
    with tempfile.TemporaryDirectory(prefix="lianxin-backup-") as work:
        snapshot = Path(work) / DB_NAME
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        copy = sqlite3.connect(snapshot)
        try:
            source.backup(copy)  # the online backup API: consistent while others write
            requests = copy.execute("SELECT count(*) FROM service_request").fetchone()[0]
        finally:
            copy.close()
            source.close()
        files = sorted(p for p in attachments_dir.rglob("*") if p.is_file()) if attachments_dir and attachments_dir.is_dir() else []
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(snapshot, arcname=DB_NAME)
            for path in files:
                archive.add(path, arcname=f"{ATTACHMENTS}/{path.relative_to(attachments_dir).as_posix()}")
        partial.replace(target)  # a half-written backup never carries the final name
    return Summary(requests=requests, attachments=len(files), bytes=target.stat().st_size)


def restore(archive_path: Path, database_url: str, attachments_dir: Path) -> Summary:
    target_db = sqlite_path(database_url)
    with tempfile.TemporaryDirectory(prefix="lianxin-restore-", dir=target_db.parent if target_db.parent.exists() else None) as work:
        staging = Path(work)
        try:
            with tarfile.open(archive_path, "r:gz") as archive:
                archive.extractall(staging, filter="data")  # no absolute paths, no escaping links
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(f"{archive_path} is not a Lianxin backup: {exc}") from exc
        restored_db = staging / DB_NAME
        if not restored_db.is_file():
            raise BackupError(f"{archive_path} holds no {DB_NAME}.")
        check = sqlite3.connect(restored_db)
        try:
            verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
            requests = check.execute("SELECT count(*) FROM service_request").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"The database in {archive_path} cannot be read: {exc}") from exc
        finally:
            check.close()
        if verdict != "ok":
            raise BackupError(f"The database in {archive_path} failed its integrity check: {verdict}")
        target_db.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            current = target_db.with_name(target_db.name + suffix)
            if current.exists():
                current.replace(current.with_name(current.name + ".before-restore"))
        shutil.move(restored_db, target_db)
        restored_files = staging / ATTACHMENTS
        count = sum(1 for p in restored_files.rglob("*") if p.is_file()) if restored_files.is_dir() else 0
        if attachments_dir.exists():
            kept = attachments_dir.with_name(attachments_dir.name + ".before-restore")
            if kept.exists():
                shutil.rmtree(kept)
            attachments_dir.replace(kept)
        if restored_files.is_dir():
            shutil.move(restored_files, attachments_dir)
        else:
            attachments_dir.mkdir(parents=True, exist_ok=True)
    return Summary(requests=requests, attachments=count, bytes=archive_path.stat().st_size)
