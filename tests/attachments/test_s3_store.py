"""Attachments in an S3-compatible bucket (LIANXIN_STORAGE=s3), against moto's real S3 API on
loopback: uploads land in the bucket under their generated names (nothing on local disk),
download streamed back, the upload limits hold, refused or rolled-back files leave no object,
a missing object is a 404 and an unreachable store a 503, never a 500."""

from __future__ import annotations

import re
import socket
import tarfile

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.requests import ClientDisconnect

from server.app import create_app
from server.attachments.store import CHUNK, KEY_PREFIX, PART_SIZE, MissingFile, store_for
from server.cli import main
from server.config import get_settings
from server.errors import StorageUnavailable
from server.models import Attachment
from tests.conftest import TEST_DATABASE_URL
from tests.coroutines import run as run_coroutine
from tests.factories import build_world
from tests.requests.pages.requester_helpers import (
    PDF,
    PNG,
    SVG,
    client_for,
    docx_bytes,
    number_from,
    order,
)


@pytest.fixture
def world(database):
    return build_world(database)


@pytest.fixture
def s3_app(s3_settings, database):
    return create_app(s3_settings, database)


def _rows(database) -> list[Attachment]:
    with database.read() as session:
        return list(session.scalars(select(Attachment).order_by(Attachment.id)))


def _local_files(settings) -> list[str]:
    folders = (settings.attachments_dir, settings.data_dir / "spool")
    return sorted(p.name for folder in folders if folder.is_dir() for p in folder.iterdir())


def test_uploads_go_to_the_bucket_and_download_back(s3_app, s3, s3_settings, world, database):
    client = client_for(s3_app, "member1")
    document = docx_bytes()  # (its zip carries the time: made once)
    files = [("attachments", ("现场.png", PNG, "image/png")), ("attachments", ("brief.docx", document, "application/x"))]
    number_from(order(client, "legal.aid", files=files))
    rows = _rows(database)
    assert [r.content_type for r in rows] == ["image/png", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
    assert all(re.fullmatch(r"[0-9a-f]{32}", r.stored_name) for r in rows)
    assert s3.keys() == sorted(KEY_PREFIX + r.stored_name for r in rows)
    assert _local_files(s3_settings) == []  # the spool file is gone once uploaded
    # The object carries the sniffed type, not the browser's.
    assert s3.client.stat_object(s3.bucket, KEY_PREFIX + rows[1].stored_name).content_type == rows[1].content_type

    download = client.get(f"/attachments/{rows[0].id}")
    assert download.status_code == 200 and download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert download.headers["content-length"] == str(len(PNG))
    assert download.headers["cache-control"] == "no-store" and download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "etag" not in download.headers and "last-modified" not in download.headers
    inline = client.get(f"/attachments/{rows[0].id}", params={"inline": 1})
    assert inline.headers["content-disposition"].startswith("inline;") and "sandbox" in inline.headers["content-security-policy"]
    assert client.get(f"/attachments/{rows[1].id}").content == document
    # Who may not see the request gets the same 404 as for no attachment at all.
    assert client_for(s3_app, "member2").get(f"/attachments/{rows[0].id}").status_code == 404


def test_a_large_file_goes_up_in_parts_and_comes_back_in_chunks(s3_app, s3, s3_settings, world, database):
    big = PDF + bytes(range(256)) * ((PART_SIZE + 300_000) // 256)  # over one part: a multipart upload
    client = client_for(s3_app, "member1")
    number_from(order(client, "legal.aid", files=[("attachments", ("plan.pdf", big, "application/pdf"))]))
    [row] = _rows(database)
    assert row.size == len(big) and s3.client.stat_object(s3.bucket, KEY_PREFIX + row.stored_name).size == len(big)

    opened = store_for(s3_settings).open(row.stored_name)
    assert opened.path is None and opened.size == len(big)
    sizes = [len(chunk) for chunk in opened.chunks]
    assert sum(sizes) == len(big) and max(sizes) <= CHUNK and len(sizes) > 1  # streamed, never whole

    download = client.get(f"/attachments/{row.id}")
    assert download.status_code == 200 and download.content == big


def test_the_upload_limit_holds_and_refused_files_leave_no_object(s3_app, s3, s3_settings, world, database, monkeypatch):
    monkeypatch.setattr(s3_settings, "max_upload_bytes", 100)
    client = client_for(s3_app, "member1")
    response = order(client, "legal.aid", files=[("attachments", ("ok.png", PNG, "image/png")),
                                                 ("attachments", ("big.pdf", PDF + b"x" * 200, "application/pdf"))])
    assert response.status_code == 422 and "“big.pdf”超过" in response.text
    svg = order(client, "legal.aid", files=[("attachments", ("x.svg", SVG, "image/svg+xml"))])
    assert svg.status_code == 422
    # The accepted PNG of the refused form was uploaded, then deleted with the form.
    assert _rows(database) == [] and s3.keys() == [] and _local_files(s3_settings) == []


def test_a_rolled_back_submission_deletes_its_objects(s3_app, s3, world, database, monkeypatch):
    from server.attachments import service as attachment_service

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(attachment_service, "_record", broken)
    signed = client_for(s3_app, "member1")
    quiet = TestClient(s3_app, raise_server_exceptions=False, cookies=signed.cookies)
    assert order(quiet, "legal.aid", files=[("attachments", ("a.png", PNG, "image/png"))]).status_code == 500
    assert s3.keys() == []


def test_a_missing_object_is_a_404_not_a_500(s3_app, s3, world, database):
    client = client_for(s3_app, "member1")
    number_from(order(client, "legal.aid", files=[("attachments", ("a.png", PNG, "image/png"))]))
    [row] = _rows(database)
    s3.client.remove_object(s3.bucket, KEY_PREFIX + row.stored_name)
    response = client.get(f"/attachments/{row.id}")
    assert response.status_code == 404 and "<html" in response.text


def test_the_store_deletes_and_refuses_names_that_are_not_ours(s3, s3_settings):
    store = store_for(s3_settings)
    with pytest.raises(MissingFile):
        store.open("../../etc/passwd")
    with pytest.raises(MissingFile):
        store.open("0" * 32)
    store.delete("0" * 32)  # already gone: nothing to do, no error


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_store_is_a_503_for_uploads_and_downloads(s3_app, s3, world, database, monkeypatch):
    client = client_for(s3_app, "member1")
    number_from(order(client, "legal.aid", files=[("attachments", ("a.png", PNG, "image/png"))]))
    [row] = _rows(database)

    monkeypatch.setenv("LIANXIN_S3_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    get_settings.cache_clear()
    down = create_app(get_settings(), database)
    client = client_for(down, "member1")
    download = client.get(f"/attachments/{row.id}")
    assert download.status_code == 503 and "文件存储暂时无法连接" in download.text
    upload = order(client, "legal.aid", files=[("attachments", ("b.png", PNG, "image/png"))])
    assert upload.status_code == 503
    assert len(_rows(database)) == 1 and _local_files(get_settings()) == []
    with pytest.raises(StorageUnavailable):
        store_for(get_settings()).open(row.stored_name)


def test_settings_name_what_s3_storage_lacks(monkeypatch, settings):
    import importlib.util

    from pydantic import ValidationError

    real_find_spec = importlib.util.find_spec

    from server.config import Settings

    monkeypatch.setenv("LIANXIN_STORAGE", "s3")
    with pytest.raises(ValidationError, match="needs LIANXIN_S3_ENDPOINT and LIANXIN_S3_BUCKET"):
        Settings()
    monkeypatch.setenv("LIANXIN_S3_ENDPOINT", "s3.example.com")
    monkeypatch.setenv("LIANXIN_S3_BUCKET", "b")
    with pytest.raises(ValidationError, match="a URL with its scheme"):
        Settings()
    monkeypatch.setenv("LIANXIN_S3_ENDPOINT", "https://s3.example.com/")
    assert Settings().s3_endpoint == "https://s3.example.com"
    assert "s3.example" not in repr(Settings().s3_secret_key)
    get_settings.cache_clear()
    result = CliRunner().invoke(main, ["migrate"], env={"LIANXIN_S3_BUCKET": ""})
    get_settings.cache_clear()
    assert result.exit_code == 1 and "A setting is not valid: LIANXIN_STORAGE=s3 needs LIANXIN_S3_BUCKET." in result.output
    # Without the client installed, every command says how to get it.
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None if name == "minio" else real_find_spec(name, *a))
    with pytest.raises(ValidationError, match=r"pip install 'lianxin\[s3\]'"):
        Settings()


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="lianxin backup is for SQLite; PostgreSQL uses pg_dump")
def test_backup_says_the_attachments_stay_in_the_bucket(s3_app, s3, world, database, db_url, tmp_path, monkeypatch):
    client = client_for(s3_app, "member1")
    number_from(order(client, "legal.aid", files=[("attachments", ("a.png", PNG, "image/png"))]))
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    archive = tmp_path / "b.tar.gz"
    result = CliRunner().invoke(main, ["backup", str(archive)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Backed up 1 requests" in result.output
    assert f"'{s3.bucket}'" in result.output and "not in this backup" in result.output
    with tarfile.open(archive) as tar:
        assert tar.getnames() == ["lianxin.db"]
    assert s3.keys() != []  # the bucket is left as it is

    restored = CliRunner().invoke(main, ["restore", str(archive), "--yes"], catch_exceptions=False)
    assert restored.exit_code == 0, restored.output
    assert f"'{s3.bucket}'" in restored.output and "left as they are" in restored.output


def _connections_out(store) -> int:
    """Connections of the store's client checked out of its pools (not yet given back)."""
    pools = store.client._http.pools
    return sum(pool.pool.maxsize - pool.pool.qsize() for pool in (pools[key] for key in pools.keys()))  # noqa: SIM118 - not iterable


@pytest.mark.parametrize("gone_after", [0, 1, None])  # messages sent before the browser left; None: all
def test_a_download_gives_its_connection_back_however_it_ends(s3_app, s3, s3_settings, world, database, gone_after):
    """A browser that leaves before the first chunk, or in the middle, leaves no connection to
    the object store checked out (each would be lost to the pool until collected)."""
    import asyncio

    from server.attachments.pages import send_stored
    from server.errors import NotFound

    big = PDF + bytes(range(256)) * (4 * CHUNK // 256)
    client = client_for(s3_app, "member1")
    number_from(order(client, "legal.aid", files=[("attachments", ("plan.pdf", big, "application/pdf"))]))
    [row] = _rows(database)
    store = store_for(s3_settings)
    assert _connections_out(store) == 0
    sent: list[dict] = []

    async def send(message):
        if gone_after is not None and len(sent) >= gone_after:
            raise OSError("the browser is gone")
        sent.append(message)

    async def receive():
        await asyncio.sleep(3600)  # never a disconnect message: the send fails first

    response = send_stored(s3_settings, row.stored_name, "application/pdf", "plan.pdf", inline=False,
                           missing=NotFound("gone"))
    assert _connections_out(store) == 1  # the download holds one while it is being sent
    scope = {"type": "http", "asgi": {"spec_version": "2.4"}}
    try:
        run_coroutine(response(scope, receive, send))
    except ClientDisconnect:  # as uvicorn would see it
        assert gone_after is not None
    assert _connections_out(store) == 0
    if gone_after is None:
        assert b"".join(m.get("body", b"") for m in sent) == big
