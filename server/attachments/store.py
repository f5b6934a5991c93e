"""Where attachment bytes are kept: the local folder (the default) or an S3-compatible bucket.

Both stores take a file that :class:`~server.attachments.storage.Staging` has already received,
checked and typed, under its generated name (a uuid4 hex), and give it back as a stream. The
local store receives straight into its folder, as it always has; the object store receives into
a spool file beside the data directory (the type check reads the whole file: an Office file's
kind is in its zip manifest, at the end) and then uploads it in parts, so neither way holds a
whole file in memory.

A name the store does not have raises :class:`MissingFile` (the pages answer 404); a store that
cannot be reached raises :class:`~server.errors.StorageUnavailable` (503), never a bare 500.

``LIANXIN_STORAGE`` picks the store (docs/DEPLOY.md, "Attachments"); :func:`store_for` builds it
once per process and configuration, since the S3 client keeps a connection pool."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from server.config import Settings
from server.errors import StorageUnavailable

log = logging.getLogger("lianxin.attachments")

CHUNK = 64 * 1024
# Uploads to the object store go in parts of this size (S3's minimum), the most an upload
# holds in memory; a smaller file goes in one request.
PART_SIZE = 5 * 1024 * 1024
# Object keys: every attachment under one prefix, so the bucket can hold other things later.
KEY_PREFIX = "attachments/"


class MissingFile(FileNotFoundError):
    """The store has no file under this name (or the name is not one of ours)."""


def checked_name(stored_name: str) -> str:
    """Stored names are our own uuid hex; check anyway, so that a tampered row can never point
    outside the folder or the key prefix."""
    if len(stored_name) != 32 or any(c not in "0123456789abcdef" for c in stored_name):
        raise MissingFile(stored_name)
    return stored_name


@dataclass
class Opened:
    """A stored file, ready to send. From the local folder it has a ``path`` (the server sends
    the file itself); from the object store it has ``chunks``, and ``close`` releases the
    connection. The chunks call it when they run to their end; whoever sends them must call it
    too (it may be called again), for a download can end without that: the browser gone before
    the first chunk or in the middle, the response never sent at all."""

    size: int
    path: Path | None = None
    stat: os.stat_result | None = None
    chunks: Iterator[bytes] | None = None
    close: Callable[[], None] = field(default=lambda: None)


class AttachmentStore(Protocol):
    def prepare(self) -> None:
        """Make the folder that received files are written to."""

    def spool_path(self, stored_name: str) -> Path:
        """Where :class:`Staging` writes the file it receives under this name."""

    def keep(self, stored_name: str, spooled: Path, content_type: str, size: int) -> None:
        """Take the received, accepted file written at ``spooled`` into the store."""

    def open(self, stored_name: str) -> Opened:
        """The stored file; :class:`MissingFile` when there is none."""

    def delete(self, stored_name: str) -> None:
        """Remove the file (and any spool file of it); nothing when it is already gone."""

    def describe(self) -> str:
        """Where the files are, for people (the backup command says it)."""


class LocalStore:
    """Files in one folder, named by their generated names."""

    def __init__(self, directory: Path):
        self.directory = directory

    def prepare(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    def spool_path(self, stored_name: str) -> Path:
        # Received straight into place: a rejected file is unlinked, a kept one stays.
        return self.directory / checked_name(stored_name)

    def keep(self, stored_name: str, spooled: Path, content_type: str, size: int) -> None:
        pass

    def open(self, stored_name: str) -> Opened:
        path = self.directory / checked_name(stored_name)
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise MissingFile(stored_name) from None
        if not path.is_file():
            raise MissingFile(stored_name)
        return Opened(size=stat.st_size, path=path, stat=stat)

    def delete(self, stored_name: str) -> None:
        (self.directory / checked_name(stored_name)).unlink(missing_ok=True)

    def describe(self) -> str:
        return f"the folder {self.directory}"


class S3Store:
    """Files as objects ``attachments/<name>`` in one bucket of an S3-compatible store."""

    def __init__(self, client, bucket: str, endpoint: str, spool_directory: Path):
        self.client = client
        self.bucket = bucket
        self.endpoint = endpoint
        self.spool_directory = spool_directory

    def prepare(self) -> None:
        self.spool_directory.mkdir(parents=True, exist_ok=True)

    def spool_path(self, stored_name: str) -> Path:
        return self.spool_directory / checked_name(stored_name)

    def keep(self, stored_name: str, spooled: Path, content_type: str, size: int) -> None:
        try:
            with spooled.open("rb") as data:
                self.client.put_object(
                    self.bucket, KEY_PREFIX + checked_name(stored_name), data, size, content_type=content_type,
                    part_size=PART_SIZE,
                )
        except Exception as exc:
            raise self._unavailable("upload", stored_name, exc) from exc
        finally:
            spooled.unlink(missing_ok=True)

    def open(self, stored_name: str) -> Opened:
        from minio.error import S3Error

        key = KEY_PREFIX + checked_name(stored_name)
        try:
            response = self.client.get_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                raise MissingFile(stored_name) from None
            raise self._unavailable("download", stored_name, exc) from exc
        except Exception as exc:
            raise self._unavailable("download", stored_name, exc) from exc

        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                response.close()
                response.release_conn()

        def chunks() -> Iterator[bytes]:
            try:
                yield from response.stream(CHUNK)
            finally:
                release()

        return Opened(size=int(response.headers["Content-Length"]), chunks=chunks(), close=release)

    def delete(self, stored_name: str) -> None:
        (self.spool_directory / checked_name(stored_name)).unlink(missing_ok=True)
        try:
            # S3 answers a delete of a missing key with success.
            self.client.remove_object(self.bucket, KEY_PREFIX + stored_name)
        except Exception as exc:
            raise self._unavailable("delete", stored_name, exc) from exc

    def describe(self) -> str:
        return f"the S3 bucket {self.bucket!r} at {self.endpoint} (objects {KEY_PREFIX}*)"

    def _unavailable(self, what: str, stored_name: str, exc: Exception) -> StorageUnavailable:
        # The reason may name the endpoint and the key id: the log has it, the caller does not.
        log.error("attachment storage: could not %s %s: %s", what, stored_name, exc)
        return StorageUnavailable("The file storage cannot be reached just now. Please try again in a moment.")


def store_for(settings: Settings) -> AttachmentStore:
    """The store the settings name. The local one is cheap; the S3 one is built once per
    configuration (its client holds the connection pool every request thread shares)."""
    if settings.storage == "s3":
        return _s3_store(
            settings.s3_endpoint, settings.s3_bucket, settings.s3_access_key, settings.s3_secret_key.get_secret_value(),
            settings.s3_region, settings.data_dir / "spool",
        )
    return LocalStore(settings.attachments_dir)


@lru_cache(maxsize=8)
def _s3_store(endpoint: str, bucket: str, access_key: str, secret_key: str, region: str, spool: Path) -> S3Store:
    try:
        import certifi
        import urllib3
        from minio import Minio
    except ImportError as exc:
        raise RuntimeError("LIANXIN_STORAGE=s3 needs the S3 client: pip install 'lianxin[s3]'") from exc
    parts = urlsplit(endpoint)
    # Fail in seconds, not minutes, when the store is down; retry what a busy store refuses.
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=5, read=60), maxsize=32, cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
    )
    client = Minio(
        parts.netloc, access_key=access_key or None, secret_key=secret_key or None, secure=parts.scheme == "https",
        region=region or None, http_client=http,
    )
    return S3Store(client, bucket, endpoint, spool)
