"""/admin/import: upload, preview with line numbers (nothing written), confirm (all written),
templates, the size limit, the owner check, and the progress view for large files."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from server.app import create_app
from server.enterprises.credit_code import make_credit_code
from server.imports import pages as import_pages
from server.models import AuditEntry, Enterprise
from tests.admin.pages import post, sign_in

CODE = make_credit_code("440305", "MA5F3K7W")


@pytest.fixture
def client(settings, database, world):
    with TestClient(create_app(settings, database), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def admin_client(client):
    return sign_in(client, "admin1")


def _count(database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(Enterprise))


def _upload(client, content: bytes, filename: str = "e.csv", kind: str = "enterprises"):
    return post(client, "/admin/import", {"kind": kind}, files={"file": (filename, content)})


def test_only_admins(client):
    sign_in(client, "member1")
    assert client.get("/admin/import").status_code == 403
    assert client.get("/admin/import/template/people.csv").status_code == 403
    assert _upload(client, b"name\nx\n").status_code == 403


def test_preview_then_confirm(admin_client, database):
    before = _count(database)
    response = _upload(admin_client, f"name,credit_code,building,floor\n三号企业,{CODE},A1,2\n".encode())
    assert response.status_code == 303
    page = admin_client.get(response.headers["location"])
    assert page.status_code == 200 and "三号企业" in page.text and "/confirm" in page.text
    assert _count(database) == before
    done = post(admin_client, response.headers["location"] + "/confirm")
    assert done.status_code == 200 and 'id="import-done"' in done.text
    assert _count(database) == before + 1
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "import")) == 1
    # the pending import is gone
    assert admin_client.get(response.headers["location"]).status_code == 404


def test_preview_shows_errors_with_line_numbers_and_no_confirm(admin_client, database):
    wrong = CODE[:17] + ("0" if CODE[17] != "0" else "1")
    response = _upload(admin_client, f"name,credit_code\n三号企业,{CODE}\n四号企业,{wrong}\n".encode("gb18030"))
    page = admin_client.get(response.headers["location"])
    assert 'id="import-error-list"' in page.text
    assert "第 3 行" in page.text or "Line 3" in page.text
    assert "/confirm" not in page.text
    # confirming anyway writes nothing
    rejected = post(admin_client, response.headers["location"] + "/confirm")
    assert rejected.status_code == 422 and 'id="import-rejected"' in rejected.text
    assert _count(database) == 2


def test_file_errors_on_the_form(admin_client, settings, monkeypatch):
    response = _upload(admin_client, b"username\nx\n", kind="people")
    assert response.status_code == 422 and 'id="import-errors"' in response.text
    assert _upload(admin_client, b"%PDF", "x.pdf").status_code == 422
    monkeypatch.setattr(settings, "max_upload_bytes", 10)
    assert _upload(admin_client, b"name\n" + b"x" * 100).status_code == 422


def test_templates(admin_client):
    csv = admin_client.get("/admin/import/template/people.csv")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbfusername,display_name")
    xlsx = admin_client.get("/admin/import/template/enterprises.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert admin_client.get("/admin/import/template/other.csv").status_code == 404


def test_another_session_cannot_see_or_confirm(settings, database, world, admin_client):
    response = _upload(admin_client, b"name\nx\n")
    with TestClient(create_app(settings, database), base_url="http://testserver") as other:
        sign_in(other, "admin1")
        assert other.get(response.headers["location"]).status_code == 404
        assert post(other, response.headers["location"] + "/confirm").status_code == 404


def test_large_file_shows_progress_then_paginates(admin_client, database, monkeypatch):
    monkeypatch.setattr(import_pages, "BACKGROUND_ROWS", 5)
    rows = "".join(f"企业{i},,A1,2\n" for i in range(250))
    response = _upload(admin_client, ("name,credit_code,building,floor\n" + rows).encode())
    location = response.headers["location"]
    for _ in range(100):
        progress = admin_client.get(location + "/progress", headers={"HX-Request": "true"})
        if progress.status_code == 204:
            assert progress.headers["HX-Refresh"] == "true"
            break
        assert "import-progress" in progress.text
        time.sleep(0.05)
    page = admin_client.get(location)
    assert "企业0" in page.text and "企业150" not in page.text and "?page=2" in page.text
    assert "企业150" in admin_client.get(location + "?page=2").text


def test_the_file_is_parsed_and_checked_off_the_event_loop(admin_client, monkeypatch):
    """A 20 MB spreadsheet parsed on the event loop would stall every other page meanwhile."""
    import asyncio

    seen: list[bool] = []
    real_parse, real_check = import_pages.bulk_import.parse, import_pages.bulk_import.check

    def on_loop() -> bool:
        try:
            asyncio.get_running_loop()
            return True
        except RuntimeError:
            return False

    def parse(*args, **kwargs):
        seen.append(on_loop())
        return real_parse(*args, **kwargs)

    def check(*args, **kwargs):
        seen.append(on_loop())
        return real_check(*args, **kwargs)

    monkeypatch.setattr(import_pages.bulk_import, "parse", parse)
    monkeypatch.setattr(import_pages.bulk_import, "check", check)
    response = _upload(admin_client, f"name,credit_code,building,floor\n三号企业,{CODE},A1,2\n".encode())
    assert response.status_code == 303
    assert seen == [False, False]
