"""Reading posted admin forms in sync views: the form is parsed in the event loop by this
dependency (the CSRF check usually parsed it already; Starlette caches it), so the views stay
plain ``def`` functions running sync SQLAlchemy in the threadpool."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from server.errors import LianxinError, Msg
from server.i18n_text import LOCALES, N_


async def _read_form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(_read_form)]


def text(form: FormData, name: str, limit: int = 1000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def optional_id(form: FormData, name: str) -> int | None:
    value = text(form, name)
    return int(value) if value.isdigit() else None


def checked(form: FormData, name: str) -> bool:
    return form.get(name) in ("1", "on", "true")


def names(form: FormData, field: str = "name") -> dict[str, str]:
    """``name.zh-Hans``, ``name.zh-Hant``, ``name.en`` → {locale: text}."""
    return {locale: text(form, f"{field}.{locale}", 200) for locale in LOCALES}


def values(form: FormData) -> dict[str, str]:
    """Every text field as typed, to put back into a form shown again with its errors."""
    return {key: value for key, value in form.items() if isinstance(value, str)}


SAVED = N_("Saved.")


def problem(exc: LianxinError) -> Msg:
    """An error's message with its parameters, for a page to show translated."""
    return Msg(exc.message, **exc.params)
