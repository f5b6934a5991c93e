"""Helpers for the requester's pages and the request page: a world, clients signed in as its
people, and small files of each kind."""

from __future__ import annotations

import io
import re
import zipfile

from fastapi.testclient import TestClient

from tests.factories import PASSWORD
from tests.web.conftest import csrf_from, sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><script>alert(1)</script>"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def client_for(app, username: str) -> TestClient:
    client = TestClient(app, base_url="http://testserver")
    response = sign_in(client, username, password=PASSWORD)
    assert response.status_code == 303, response.text
    return client


def token(client: TestClient, path: str = "/") -> str:
    return csrf_from(client.get(path).text)


def idempotency_key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)


def version_in(html: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', html).group(1))


def order(client: TestClient, code: str, data: dict | None = None, files=None, key: str | None = None):
    """Post the order form of ``code`` as the browser would (multipart)."""
    page = client.get(f"/menu/{code}").text
    body = {"csrf_token": csrf_from(page), "idempotency_key": key or idempotency_key(page),
            "description": "请帮忙", "contact_phone": "13800138000", **(data or {})}
    return client.post(f"/menu/{code}", data=body, files=files or [("attachments", ("", b"", "application/octet-stream"))],
                       follow_redirects=False)


def number_from(response) -> str:
    assert response.status_code == 303, response.text
    return re.match(r"/requests/([^?]+)", response.headers["location"]).group(1)
