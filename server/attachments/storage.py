"""Attachment uploads: streamed in chunks into a generated name, typed by content, then kept
by the configured store (``server/attachments/store.py``: the local folder or an S3 bucket).

Nothing the uploader chose reaches the file system: the stored name is a uuid4 hex, and the
type comes from the file's first bytes (and, for Office files, the zip's own manifest), never
from its name or the browser's Content-Type. Types outside the allow-list are refused: an SVG
or HTML file served back from our origin could run script.

:class:`Staging` holds the files of one form while its transaction runs; if the block fails
it deletes them, so a rolled-back submission leaves no orphan bytes behind (in the folder or the
bucket)."""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from server.attachments.store import CHUNK, MissingFile, Opened, checked_name, store_for
from server.config import Settings
from server.errors import Msg

__all__ = ["CHUNK", "MissingFile", "Opened", "Refused", "Staging", "StoredFile", "open_stored", "staging"]
HEAD = 16

JPEG, PNG, GIF, WEBP, PDF = "image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOC, XLS = "application/msword", "application/vnd.ms-excel"

IMAGE_TYPES = frozenset({JPEG, PNG, GIF, WEBP})
# The extension a download of each type ends with (appended when the original name lacks it,
# so "x.html" that is really a PNG downloads as "x.html.png").
EXTENSIONS = {
    JPEG: (".jpg", ".jpeg"), PNG: (".png",), GIF: (".gif",), WEBP: (".webp",), PDF: (".pdf",),
    DOCX: (".docx",), XLSX: (".xlsx",), PPTX: (".pptx",), DOC: (".doc",), XLS: (".xls",),
}
# Which part of an OOXML package names its kind.
_OOXML_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
MAX_NAME = 255

log = logging.getLogger("lianxin.attachments")



class Refused(Exception):
    """A file we will not keep; ``message`` is a :class:`Msg` naming it."""

    def __init__(self, message: Msg):
        super().__init__(str(message))
        self.message = message


@dataclass
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    field_code: str | None = None  # the service's file field it answers; None: general attachment


def _megabytes(limit: int) -> str:
    mb = limit / (1024 * 1024)
    return f"{mb:g}" if mb >= 1 else f"{mb:.2f}"


def clean_name(name: str | None) -> str:
    """The last path segment of what the browser sent, without control characters, kept for
    display and the download's file name only."""
    name = PureWindowsPath(PurePosixPath(name or "").name).name
    name = "".join(c for c in name if c.isprintable() and c not in '"\\/').strip().lstrip(".")
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:MAX_NAME]
    return name or "file"


def display_name(name: str, content_type: str) -> str:
    """The original name, with the extension of the type we found if it has another one."""
    extensions = EXTENSIONS.get(content_type, ())
    if extensions and not name.lower().endswith(extensions):
        return (name + extensions[0])[-MAX_NAME:]
    return name


def sniff(head: bytes, path: Path, name: str) -> str | None:
    """The content type of an allowed file, judged by content; None for everything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_kind(path)
    if head.startswith(_OLE_MAGIC):
        # OLE containers also carry installers (.msi): accept only the names of Office files.
        lowered = name.lower()
        if lowered.endswith(".doc"):
            return DOC
        if lowered.endswith(".xls"):
            return XLS
    return None


def _ooxml_kind(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, kind in _OOXML_PARTS:
        if any(n.startswith(prefix) for n in names):
            return kind
    return None


class Staging:
    """The files received for one form. Use through :func:`staging`."""

    def __init__(self, settings: Settings):
        self.store = store_for(settings)
        self.max_file = settings.max_upload_bytes
        self.max_total = settings.max_request_upload_bytes
        self.total = 0
        self.files: list[StoredFile] = []
        self.store.prepare()

    def receive(self, source: BinaryIO, filename: str | None, field_code: str | None = None) -> StoredFile:
        """Copy ``source`` (an upload's file object) to disk chunk by chunk, hashing and counting
        as it goes, and stop at the first chunk over a limit; then hand the accepted file to the
        store. Raises :class:`Refused`, or StorageUnavailable when the store cannot take it."""
        name = clean_name(filename)
        stored_name = uuid.uuid4().hex
        path = self.store.spool_path(stored_name)
        digest = hashlib.sha256()
        size = 0
        head = b""
        try:
            # O_EXCL: a generated name that somehow exists is never overwritten.
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_file:
                        raise Refused(Msg("“{name}” is larger than {limit} MB.", name=name, limit=_megabytes(self.max_file)))
                    if self.total + size > self.max_total:
                        raise Refused(
                            Msg("“{name}” would take the files of this form over {limit} MB in all.", name=name,
                                limit=_megabytes(self.max_total))
                        )
                    if len(head) < HEAD:
                        head += chunk[: HEAD - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
            content_type = sniff(head, path, name)
            if content_type is None:
                raise Refused(
                    Msg(
                        "“{name}” is not a file type we accept (photos: JPEG, PNG, GIF, WebP; documents: PDF, Word,"
                        " Excel, PowerPoint).",
                        name=name,
                    )
                )
            self.store.keep(stored_name, path, content_type, size)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        self.total += size
        stored = StoredFile(stored_name, display_name(name, content_type), content_type, size, digest.hexdigest(), field_code)
        self.files.append(stored)
        return stored

    def discard(self) -> None:
        """Delete the received files. Runs while another error unwinds: a file the store cannot
        delete now is logged (an unreferenced object, harmless) rather than hiding that error."""
        for stored in self.files:
            try:
                self.store.delete(stored.stored_name)
            except Exception:
                log.warning("could not delete the discarded attachment %s", stored.stored_name, exc_info=True)
        self.files.clear()


@contextmanager
def staging(settings: Settings) -> Iterator[Staging]:
    """Received files stay only if the block ends normally (after its transaction commits)."""
    staged = Staging(settings)
    try:
        yield staged
    except BaseException:
        staged.discard()
        raise


def open_stored(settings: Settings, stored_name: str) -> Opened:
    """A stored file, to send back; :class:`MissingFile` when the store has none by this name."""
    checked_name(stored_name)
    return store_for(settings).open(stored_name)
