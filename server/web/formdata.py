"""The one reader of posted forms for the pages, and of the files they send.

Starlette parses a form asynchronously; :data:`FormDep` does it in the event loop (the CSRF
check has usually parsed it already: the result is cached on the request), so the view can
stay a plain ``def`` running sync SQLAlchemy in the threadpool. Multipart file parts are
spooled to temporary files by Starlette, never held whole in memory.

The rule for text fields, the same on every page:

- Surrounding whitespace is trimmed: nobody means it (passwords never pass through here).
- Nothing is shortened silently. A value longer than its field's ``limit`` is refused: ``text``
  raises InvalidInput with "At most {limit} characters." on that field, which the page shows
  next to it like any other field error (or, outside a form's own error handling, as the 422
  error page). A value cut to fit could pass every rule and be stored as something nobody typed.
- The limit is the field's own (its column's length or its rule's); the services check their
  rules again, so the reader only ever adds a bound, never a second opinion.
- Files and missing fields read as ""."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData, UploadFile

from server.attachments.storage import Refused, Staging
from server.errors import InvalidInput, Msg
from server.i18n_text import LOCALES

DEFAULT_LIMIT = 10_000
_ID_DIGITS = 9  # ids stay far below 10⁹; longer digit strings are no id (and no integer overflow)


async def read_form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]


def text(form: FormData, name: str, limit: int = DEFAULT_LIMIT) -> str:
    """A text field, trimmed; InvalidInput on ``name`` when it is longer than ``limit``."""
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput("Please correct the marked fields.", {name: Msg("At most {limit} characters.", limit=limit)})
    return value


def texts(form: FormData, field: str, limit: int = DEFAULT_LIMIT) -> dict[str, str]:
    """``name.zh-Hans``, ``name.zh-Hant``, ``name.en`` → {locale: text}."""
    return {locale: text(form, f"{field}.{locale}", limit) for locale in LOCALES}


def whole_number(value: str, *, max_digits: int = _ID_DIGITS, signed: bool = False) -> int | None:
    """``value`` as an int when it is written in ASCII digits only (at most ``max_digits`` of
    them, a leading minus where ``signed``); None otherwise. ``str.isdigit()`` is not enough:
    it takes "²" and other digits that ``int()`` refuses or reads as something else."""
    value = (value or "").strip()
    if signed and value.startswith("-"):
        number = whole_number(value[1:], max_digits=max_digits)
        return -number if number is not None else None
    if not value or len(value) > max_digits or not (value.isascii() and value.isdigit()):
        return None
    return int(value)


def optional_id(form: FormData, name: str) -> int | None:
    """A row id chosen in a select; None for none (or for anything that is not an id)."""
    return whole_number(text(form, name))


def checked(form: FormData, name: str) -> bool:
    """A checkbox: browsers send "on" unless the input has a value; ours use "1"."""
    return form.get(name) in ("1", "on", "true")


def values(form: FormData) -> dict[str, str]:
    """Every text field as typed, to put back into a form shown again with its errors (the
    CSRF token is the page's own, never echoed)."""
    return {key: value for key, value in form.items() if isinstance(value, str) and key != "csrf_token"}


def uploads(form: FormData, name: str) -> list[UploadFile]:
    """The files chosen in one file input; a browser sends an empty part when none is."""
    return [u for u in form.getlist(name) if isinstance(u, UploadFile) and (u.filename or u.size)]


def receive_files(staged: Staging, form: FormData, inputs: dict[str, str | None]) -> dict[str, str]:
    """Stream the files of each file input (form name → service field code, or None) into
    ``staged``. Returns form name → message for the files refused (the first per input)."""
    refused: dict[str, str] = {}
    for name, field_code in inputs.items():
        for upload in uploads(form, name):
            try:
                staged.receive(upload.file, upload.filename, field_code)
            except Refused as exc:
                refused.setdefault(name, exc.message)
    return refused


def chose_files(form: FormData) -> bool:
    return any(isinstance(v, UploadFile) and (v.filename or v.size) for _k, v in form.multi_items())
