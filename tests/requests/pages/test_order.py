"""The service menu and the order form (点单): who may order what, the search, the form's
fields and errors, one request per double submit, and attachments stored safely."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from server.config import get_settings
from server.models import Attachment, ServiceRequest
from tests.factories import build_world
from tests.requests.pages.requester_helpers import (
    HTML,
    PDF,
    PNG,
    SVG,
    client_for,
    csrf_from,
    docx_bytes,
    idempotency_key,
    number_from,
    order,
)


@pytest.fixture
def world(database):
    return build_world(database)


def _count(database, model) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_menu_lists_services_with_limits_and_order_buttons(app, world):
    page = client_for(app, "member1").get("/menu").text
    assert "群团服务" in page and "服务union.join" in page
    assert "4 个工作小时" in page and "5 个工作日" in page
    assert "union部" in page and "由派单员决定" in page
    assert 'href="/menu/union.join"' in page
    # Enterprises only: shown, but a member gets the reason instead of an order button.
    assert "服务ent.only" in page and 'href="/menu/ent.only"' not in page
    assert page.count("仅限企业联络员点单") == 1
    assert 'hx-trigger="input changed delay:250ms, search"' in page


def test_contact_may_order_enterprise_services(app, world):
    page = client_for(app, "contact2").get("/menu").text
    assert 'href="/menu/ent.only"' in page


def test_menu_search_filters_with_and_without_htmx(app, world):
    client = client_for(app, "member1")
    page = client.get("/menu", params={"q": "legal"}).text
    assert "服务legal.aid" in page and "服务union.join" not in page and "<html" in page
    fragment = client.get("/menu", params={"q": "Service care"}, headers={"HX-Request": "true"}).text
    assert fragment.lstrip().startswith('<div id="menu-results"') and "服务care.visit" in fragment
    assert "服务legal.aid" not in fragment
    assert "没有与" in client.get("/menu", params={"q": "nothing-like-this"}).text


def test_order_form_renders_fields_by_type(app, world):
    page = client_for(app, "member1").get("/menu/union.join").text
    assert 'enctype="multipart/form-data"' in page
    assert re.search(r'name="answers.people" type="number"[^>]*min="1.0"[^>]*max="50.0"', page)
    assert 'type="radio" name="answers.kind" value="new"' in page
    assert 'name="building_code"' in page and 'hx-get="/places/floors"' in page
    # The account's phone is the default: said, not prefilled, and the field not marked required.
    assert re.search(r'id="field-contact_phone" name="contact_phone" type="tel" value=""(?![^>]*required)[^>]*placeholder="13800138000"', page)
    assert "留空则使用您的手机号 13800138000" in page
    assert 'name="attachments" type="file" multiple' in page
    assert re.search(r'name="idempotency_key" value="[0-9a-f]{32}"', page)


def test_floor_picker_follows_the_building(app, world):
    client = client_for(app, "member1")
    fragment = client.get("/places/floors", params={"building_code": "A1", "floor": "2"}, headers={"HX-Request": "true"}).text
    assert fragment.lstrip().startswith('<div class="field" id="floor-field">')
    assert '<option value="2" selected>2</option>' in fragment and "optgroup" not in fragment
    # No building chosen (or no script): every building's floors, grouped.
    assert '<optgroup label="A1栋">' in client.get("/places/floors").text


def test_a_service_one_may_not_order_says_why_and_refuses_the_order(app, world, database):
    client = client_for(app, "member1")
    page = client.get("/menu/ent.only")
    # Followed from a shared link: the service, the reason and the way back, in the full layout.
    assert page.status_code == 200
    assert "仅限企业联络员点单" in page.text and 'href="/menu"' in page.text and "<nav" in page.text
    assert 'name="idempotency_key"' not in page.text  # no form to fill in vain
    refused = order(client, "ent.only", {}, key="0" * 32)
    assert refused.status_code == 403 and "仅限企业联络员点单" in refused.text
    assert client.get("/menu/no.such").status_code == 404


def test_staff_see_why_they_cannot_order(app, world):
    page = client_for(app, "staff1").get("/menu").text
    assert 'href="/menu/union.join"' not in page
    assert "您的账号用于办理工单" in page


def test_errors_show_next_to_fields_and_keep_what_was_typed(app, world, database):
    client = client_for(app, "member1")
    response = order(client, "union.join", {"description": "", "answers.people": "99", "answers.kind": "move", "room": "301",
                                            "building_code": "A1", "floor": "9"})
    assert response.status_code == 422
    page = response.text
    assert re.search(r'id="field-description-error">请描述您的需求。', page)
    assert 'id="field-answers-people-error">不能大于 50。' in page
    assert 'id="field-floor-error">这栋楼没有这一层。' in page
    assert 'value="99"' in page and 'value="move" checked' in page and 'value="301"' in page
    assert _count(database, ServiceRequest) == 0


def test_a_description_longer_than_the_form_takes_comes_back_in_the_form(app, world, database):
    # The form reader refuses what is over its limit; the person gets the order form with the
    # error at the field and what they typed, not an error page that loses it.
    client = client_for(app, "member1")
    response = order(client, "union.join", {"description": "长" * 5001, "answers.people": "3", "answers.kind": "move",
                                            "room": "301"})
    assert response.status_code == 422
    page = response.text
    assert 'id="field-description-error">' in page
    assert 'value="301"' in page and 'value="move" checked' in page
    assert _count(database, ServiceRequest) == 0


def test_submit_redirects_to_the_request_with_its_number(app, world, database):
    client = client_for(app, "member1")
    response = order(client, "union.join", {"answers.people": "3", "answers.kind": "new", "building_code": "A1", "floor": "2"})
    number = number_from(response)
    assert response.headers["location"] == f"/requests/{number}?submitted=1"
    page = client.get(response.headers["location"]).text
    assert '<p class="tracking-number">' + number in page and "已提交" in page
    assert "人数" in page and "新入会" in page
    # The confirmation shows the number once, not again in the page's head.
    main = page[page.index("<main"):]
    assert main.count(f">{number}<") == 1, main


def test_double_submit_files_one_request(app, world, database):
    client = client_for(app, "member1")
    page = client.get("/menu/legal.aid").text
    key = idempotency_key(page)
    first = order(client, "legal.aid", key=key)
    second = order(client, "legal.aid", key=key)
    assert number_from(first) == number_from(second)
    assert _count(database, ServiceRequest) == 1


def test_back_and_submit_again_is_caught_and_can_still_be_filed(app, world, database):
    """Back after a submission brings the form again with a fresh key: the same request from
    the same person minutes later is shown, not filed; "file a second one" files it."""
    client = client_for(app, "member1")
    first = number_from(order(client, "legal.aid", {"description": "合同纠纷咨询"}))
    again = order(client, "legal.aid", {"description": "合同纠纷咨询"})  # a fresh form: a new key
    assert again.status_code == 409
    assert f"已提交过相同的工单 {first}" in again.text and f'href="/requests/{first}"' in again.text
    assert "合同纠纷咨询" in again.text  # what was typed is still in the form
    assert _count(database, ServiceRequest) == 1
    second = client.post("/menu/legal.aid", data={
        "csrf_token": csrf_from(again.text), "idempotency_key": idempotency_key(again.text),
        "file_anyway": re.search(r'name="file_anyway" value="(\w+)"', again.text).group(1),
        "description": "合同纠纷咨询", "contact_phone": "13800138000",
    }, files=[("attachments", ("", b"", "application/octet-stream"))], follow_redirects=False)
    assert number_from(second) != first
    assert _count(database, ServiceRequest) == 2
    # Something else from the same person is not a duplicate.
    assert order(client, "legal.aid", {"description": "另一件事"}).status_code == 303


def test_attachment_is_stored_under_a_generated_name_and_downloads(app, world, database, settings):
    client = client_for(app, "member1")
    files = [("attachments", ("../../现场 照片.png", PNG, "image/png")), ("attachments", ("brief.docx", docx_bytes(), "application/x"))]
    number = number_from(order(client, "legal.aid", files=files))
    with database.read() as session:
        rows = list(session.scalars(select(Attachment).order_by(Attachment.id)))
    assert [r.content_type for r in rows] == ["image/png", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
    assert rows[0].original_name == "现场 照片.png" and rows[0].event_id is None and rows[0].field_code is None
    assert re.fullmatch(r"[0-9a-f]{32}", rows[0].stored_name)
    assert sorted(p.name for p in settings.attachments_dir.iterdir()) == sorted(r.stored_name for r in rows)

    page = client.get(f"/requests/{number}").text
    assert f'href="/attachments/{rows[0].id}"' in page and f'src="/attachments/{rows[0].id}?inline=1"' in page
    download = client.get(f"/attachments/{rows[0].id}")
    assert download.status_code == 200 and download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"__ __.png\"; filename*=UTF-8''%E7%8E%B0%E5%9C%BA%20%E7%85%A7%E7%89%87.png"
    )
    inline = client.get(f"/attachments/{rows[0].id}", params={"inline": 1})
    assert inline.headers["content-disposition"].startswith("inline;")
    assert "sandbox" in inline.headers["content-security-policy"]
    # A document never shows inline.
    assert client.get(f"/attachments/{rows[1].id}", params={"inline": 1}).headers["content-disposition"].startswith("attachment;")

    other = client_for(app, "member2")
    assert other.get(f"/attachments/{rows[0].id}").status_code == 404
    assert other.get("/attachments/999999").status_code == 404
    # The contact of the requester's enterprise may, like staff of the department.
    assert client_for(app, "contact1").get(f"/attachments/{rows[0].id}").status_code == 200


@pytest.mark.parametrize(("name", "content"), [("logo.svg", SVG), ("page.html", HTML), ("page.png", HTML), ("a.zip", b"PK\x03\x04xx")])
def test_unsafe_types_are_refused_by_content(app, world, database, settings, name, content):
    client = client_for(app, "member1")
    response = order(client, "legal.aid", files=[("attachments", (name, content, "image/png"))])
    assert response.status_code == 422
    assert f"“{name}”不是可接受的文件类型" in response.text
    assert 'id="field-attachments-error"' in response.text
    assert "请重新选择文件" in response.text
    assert _count(database, ServiceRequest) == 0 and _count(database, Attachment) == 0
    assert not any(settings.attachments_dir.iterdir())


def test_a_renamed_image_downloads_with_its_real_extension(app, world, database):
    client = client_for(app, "member1")
    number_from(order(client, "legal.aid", files=[("attachments", ("scan.html", JPEG_BYTES, "text/html"))]))
    with database.read() as session:
        row = session.scalar(select(Attachment))
    assert row.content_type == "image/jpeg" and row.original_name == "scan.html.jpg"


JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def test_too_large_file_is_refused_naming_it(app, world, database, settings, monkeypatch):
    monkeypatch.setattr(get_settings(), "max_upload_bytes", 100)
    client = client_for(app, "member1")
    response = order(client, "legal.aid", files=[("attachments", ("big.pdf", PDF + b"x" * 200, "application/pdf"))])
    assert response.status_code == 422 and "“big.pdf”超过" in response.text
    assert not any(settings.attachments_dir.iterdir())


def test_total_of_a_form_is_limited(app, world, database, settings, monkeypatch):
    monkeypatch.setattr(get_settings(), "max_request_upload_bytes", 150)
    client = client_for(app, "member1")
    files = [("attachments", ("a.pdf", PDF, "application/pdf")), ("attachments", ("b.pdf", PDF + b"y" * 60, "application/pdf"))]
    response = order(client, "legal.aid", files=files)
    assert response.status_code == 422 and "“b.pdf”" in response.text
    assert _count(database, Attachment) == 0 and not any(settings.attachments_dir.iterdir())


def test_files_are_removed_when_the_transaction_fails(app, world, database, settings, monkeypatch):
    from server.attachments import service as attachment_service

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(attachment_service, "_record", broken)
    client = client_for(app, "member1")
    client.app  # noqa: B018 - the same app; server errors become a 500 page
    from fastapi.testclient import TestClient

    quiet = TestClient(app, raise_server_exceptions=False, cookies=client.cookies)
    page = quiet.get("/menu/legal.aid").text
    response = quiet.post("/menu/legal.aid", data={"csrf_token": csrf_from(page), "description": "x", "contact_phone": "13800138000"},
                          files=[("attachments", ("a.png", PNG, "image/png"))])
    assert response.status_code == 500
    assert _count(database, ServiceRequest) == 0 and not any(settings.attachments_dir.iterdir())


def test_file_field_answers_are_counted_and_stored_with_their_field(app, world, database):
    from server.enums import FieldType
    from server.models import Service, ServiceField

    with database.write() as session:
        service = session.scalar(select(Service).where(Service.code == "legal.aid"))
        session.add(ServiceField(service_id=service.id, code="contract", type=FieldType.file,
                                 label={"zh-Hans": "合同", "en": "Contract"}, required=True, position=1))
    client = client_for(app, "member1")
    page = client.get("/menu/legal.aid").text
    assert 'name="answers.contract" type="file" multiple' in page
    missing = order(client, "legal.aid")
    assert missing.status_code == 422 and 'id="field-answers-contract-error">请上传附件。' in missing.text
    number = number_from(order(client, "legal.aid", files=[("answers.contract", ("合同.pdf", PDF, "application/pdf"))]))
    with database.read() as session:
        row = session.scalar(select(Attachment))
        request = session.scalar(select(ServiceRequest))
    assert row.field_code == "contract" and row.content_type == "application/pdf"
    assert [a["value"] for a in request.answers if a["code"] == "contract"] == [1]
    detail = client.get(f"/requests/{number}").text
    assert "<dt>合同</dt>" in detail and f'href="/attachments/{row.id}"' in detail


def test_without_a_phone_in_the_account_the_form_requires_one(app, world, database):
    from server.enums import Role
    from tests.factories import create_person

    with database.write() as session:
        create_person(session, "nophone", Role.member).phone = ""
    client = client_for(app, "nophone")
    page = client.get("/menu/legal.aid").text
    assert re.search(r'id="field-contact_phone" name="contact_phone" type="tel" value="" required', page)
    form = {"csrf_token": csrf_from(page), "idempotency_key": idempotency_key(page), "description": "请帮忙"}
    refused = client.post("/menu/legal.aid", data=form, files=[("attachments", ("", b"", "application/octet-stream"))])
    assert refused.status_code == 422 and "请留下联系电话" in refused.text


def test_the_form_is_checked_against_the_current_catalogue_not_the_held_copy(app, world, database):
    """The order form's POST reads its fields from the catalogue the process holds (no read of
    its own); a service retired since then is still refused by the submission's write."""
    from datetime import UTC, datetime

    from server.catalog import snapshot
    from server.models import Service

    client = client_for(app, "member1")
    page = client.get("/menu/union.join").text  # the process now holds this catalogue
    assert snapshot.held(database.cache) is not None
    body = {"csrf_token": csrf_from(page), "idempotency_key": idempotency_key(page), "description": "请帮忙",
            "contact_phone": "13800138000", "answers.people": "2", "answers.kind": "new"}

    def retire(session):
        service = session.scalar(select(Service).where(Service.code == "union.join"))
        service.retired_at = datetime.now(UTC)  # an ORM change: the revision moves on

    database.run(retire)
    response = client.post("/menu/union.join", data=body, follow_redirects=False)
    assert response.status_code == 422, response.text
    assert _count(database, ServiceRequest) == 0
