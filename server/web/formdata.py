"""Reading a posted form in a sync view, and receiving its files.

Starlette parses a form asynchronously; this dependency does it in the event loop (the CSRF
check has usually parsed it already: the result is cached on the request), so the view can
stay a plain ``def`` running sync SQLAlchemy in the threadpool. Multipart file parts are
spooled to temporary files by Starlette, never held whole in memory."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData, UploadFile

from server.attachments.storage import Refused, Staging


async def read_form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]


def text(form: FormData, name: str, limit: int = 10_000) -> str:
    """A text field (files and missing fields read as ""), cut at ``limit`` characters."""
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


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
