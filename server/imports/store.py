"""Pending imports between the preview and the confirmation, kept server-side as JSON files
under ``<data_dir>/imports/`` so the parsed rows never travel through the browser. Each file
belongs to the admin's browser session that uploaded it and expires after an hour; any
worker sharing the data dir can serve the confirmation."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

TTL_SECONDS = 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def owner_of(person_id: int, session_secret: str | None) -> str:
    """Ties a pending import to one person in one browser session (the secret is hashed)."""
    digest = hashlib.sha256((session_secret or "").encode()).hexdigest()[:32]
    return f"{person_id}:{digest}"


class ImportStore:
    def __init__(self, data_dir: Path, ttl_seconds: int = TTL_SECONDS):
        self.directory = data_dir / "imports"
        self.ttl = ttl_seconds

    def _path(self, token: str) -> Path | None:
        return self.directory / f"{token}.json" if _TOKEN.match(token) else None

    def create(self, owner: str, record: dict[str, Any]) -> str:
        self.purge_expired()
        token = secrets.token_urlsafe(24)
        self.write(token, {**record, "owner": owner, "created": time.time()})
        return token

    def write(self, token: str, record: dict[str, Any]) -> None:
        path = self._path(token)
        if path is None:
            raise ValueError("bad import token")
        self.directory.mkdir(parents=True, exist_ok=True)
        # Write beside and rename: a reader (the progress poll) never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(record, f, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def update(self, token: str, **changes: Any) -> None:
        record = self._read(token)
        if record is not None:
            self.write(token, {**record, **changes})

    def set_progress(self, token: str, done: int) -> None:
        """A small file beside the record: rewriting the whole preview for every chunk of a
        large file would cost more than checking it."""
        path = self._path(token)
        if path is not None:
            tmp = path.with_suffix(".progress.tmp")
            tmp.write_text(str(done), encoding="utf-8")
            os.replace(tmp, path.with_suffix(".progress"))

    def progress(self, token: str) -> int:
        path = self._path(token)
        try:
            return int(path.with_suffix(".progress").read_text(encoding="utf-8")) if path else 0
        except (OSError, ValueError):
            return 0

    def load(self, token: str, owner: str) -> dict[str, Any] | None:
        """The record, or None when it is missing, expired or someone else's."""
        record = self._read(token)
        if record is None or record.get("owner") != owner:
            return None
        if time.time() - record.get("created", 0) > self.ttl:
            self.discard(token)
            return None
        return record

    def _read(self, token: str) -> dict[str, Any] | None:
        path = self._path(token)
        if path is None or not path.exists():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def discard(self, token: str) -> None:
        path = self._path(token)
        if path is not None:
            path.unlink(missing_ok=True)
            path.with_suffix(".progress").unlink(missing_ok=True)

    def purge_expired(self) -> None:
        if not self.directory.exists():
            return
        cutoff = time.time() - self.ttl
        for path in [*self.directory.glob("*.json"), *self.directory.glob("*.progress")]:
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
            except OSError:
                pass
