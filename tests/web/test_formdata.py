"""The one form reader: text is trimmed, never cut; an over-long value is refused on its field."""

from __future__ import annotations

import io

import pytest
from starlette.datastructures import FormData, UploadFile

from server.errors import InvalidInput
from server.web.formdata import checked, optional_id, text, texts, values


def _form(**fields) -> FormData:
    return FormData(list(fields.items()))


def test_text_is_trimmed_and_missing_reads_empty():
    form = _form(name="  王五 \n", file=UploadFile(io.BytesIO(b"x"), filename="a.txt"))
    assert text(form, "name") == "王五"
    assert text(form, "missing") == "" and text(form, "file") == ""


def test_an_over_long_value_is_refused_not_cut():
    form = _form(code="a" * 41, padded="  " + "b" * 40 + "  ")
    with pytest.raises(InvalidInput) as caught:
        text(form, "code", 40)
    assert caught.value.errors == {"code": "At most 40 characters."}
    assert caught.value.errors["code"].msgid == "At most {limit} characters."
    assert text(form, "padded", 40) == "b" * 40  # the limit counts what is kept after trimming


def test_texts_ids_checkboxes_and_kept_values():
    form = _form(**{"name.zh-Hans": " 名称 ", "name.en": "Name", "id": "12", "big": "9" * 30, "on": "on",
                    "csrf_token": "secret"})
    assert texts(form, "name") == {"zh-Hans": "名称", "zh-Hant": "", "en": "Name"}
    assert optional_id(form, "id") == 12 and optional_id(form, "big") is None and optional_id(form, "on") is None
    assert checked(form, "on") and not checked(form, "id")
    assert "csrf_token" not in values(form) and values(form)["name.zh-Hans"] == " 名称 "
