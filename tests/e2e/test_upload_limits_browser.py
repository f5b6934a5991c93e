"""The order form says a file is too large before sending it (the server checks again)."""

import pytest

from server.config import get_settings
from tests.e2e.conftest import sign_in
from tests.factories import build_world

pytestmark = pytest.mark.browser
MB = 1024 * 1024


@pytest.fixture
def settings(tmp_path, monkeypatch):
    # Small limits, so the files of the test stay small: 1 MB each, 2 MB together.
    monkeypatch.setenv("LIANXIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LIANXIN_MAX_UPLOAD_BYTES", str(MB))
    monkeypatch.setenv("LIANXIN_MAX_REQUEST_UPLOAD_BYTES", str(2 * MB))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def _pdf(name: str, size: int) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n" + b"0" * (size - 9)}


def test_too_large_files_are_said_before_sending(database, new_page):
    build_world(database)
    page = new_page(width=375, height=800)
    sign_in(page, "member1")
    page.goto("/menu/union.join")
    assert "每个不超过 1 MB，合计不超过 2 MB" in page.locator("#hint-attachments").inner_text()
    page.fill("#field-answers-people", "2")
    page.select_option("#field-building_code", "A1")
    page.wait_for_selector("#field-floor optgroup", state="detached")
    page.select_option("#field-floor", "2")
    page.fill("#field-description", "附件太大")
    page.set_input_files("#field-attachments", [_pdf("扫描件.pdf", MB + 10)])
    error = page.locator("#attachments-size-error")
    assert error.is_visible() and "“扫描件.pdf”超过 1 MB" in error.inner_text()
    page.locator(".order-form [type=submit]").click()
    assert page.url.endswith("/menu/union.join")  # nothing was sent
    page.set_input_files("#field-attachments", [_pdf(f"{i}.pdf", MB - 100) for i in range(3)])
    assert "合计 3 MB，一个工单最多可带 2 MB" in error.inner_text()
    page.set_input_files("#field-attachments", [_pdf("小.pdf", 1000)])
    assert not error.is_visible()
    page.locator(".order-form [type=submit]").click()
    page.wait_for_selector(".tracking-number")
