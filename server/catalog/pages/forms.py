"""The menu administration's HTML forms: form data → the service's inputs, and rows → the
values that fill a form. Field names follow the service's error keys (``name.zh-Hans``), so
each message lands next to its input."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import FormData

from server.catalog import service as svc
from server.i18n_text import LOCALES, N_
from server.models import Category, Service, ServiceField


async def _read_form(request: Request) -> FormData:
    # Async, so the sync views that use it run in the thread pool with the form already read.
    return await request.form()


FormDep = Annotated[FormData, Depends(_read_form)]


def _text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _texts(form: FormData, key: str) -> dict[str, str]:
    return {loc: _text(form, f"{key}.{loc}") for loc in LOCALES}


def _id(form: FormData, key: str) -> int | None:
    value = _text(form, key)
    return int(value) if value.isdigit() and len(value) < 10 else None


def values_of(form: FormData) -> dict[str, str]:
    """Everything typed, to show again with the messages."""
    return {key: value for key, value in form.items() if isinstance(value, str) and key != "csrf_token"}


def _flatten(prefix: str, texts: dict | None) -> dict[str, str]:
    return {f"{prefix}.{loc}": (texts or {}).get(loc, "") for loc in LOCALES}


# --- categories ----------------------------------------------------------------------------------
def category_input(form: FormData) -> svc.CategoryInput:
    return svc.CategoryInput(code=_text(form, "code"), name=_texts(form, "name"), description=_texts(form, "description"))


def category_values(category: Category) -> dict[str, str]:
    return {"code": category.code, **_flatten("name", category.name), **_flatten("description", category.description)}


# --- services ------------------------------------------------------------------------------------
def service_input(form: FormData) -> svc.ServiceInput:
    return svc.ServiceInput(
        code=_text(form, "code"),
        category_id=_id(form, "category_id"),
        name=_texts(form, "name"),
        description=_texts(form, "description"),
        audience=_text(form, "audience"),
        department_id=_id(form, "department_id"),
        claim_limit_hours=_text(form, "claim_limit_hours"),
        complete_limit_days=_text(form, "complete_limit_days"),
        allow_attachments=form.get("allow_attachments") == "on",
    )


def service_values(service: Service) -> dict[str, Any]:
    return {
        "code": service.code,
        "category_id": str(service.category_id),
        **_flatten("name", service.name),
        **_flatten("description", service.description),
        "audience": str(service.audience),
        "department_id": str(service.department_id or ""),
        "claim_limit_hours": str(service.claim_limit_hours),
        "complete_limit_days": str(service.complete_limit_days),
        "allow_attachments": "on" if service.allow_attachments else "",
    }


def new_service_values(category_id: int | None) -> dict[str, str]:
    return {"category_id": str(category_id or ""), "audience": "both", "claim_limit_hours": "4",
            "complete_limit_days": "5", "allow_attachments": "on"}


# --- fields --------------------------------------------------------------------------------------
def parse_choices(text: str) -> list[dict]:
    """One choice a line: ``value | 中文 | 繁體 | English``; the translations may be left out."""
    choices = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        labels = {loc: text for loc, text in zip(LOCALES, parts[1:4], strict=False) if text}
        choices.append({"value": parts[0], "label": labels})
    return choices


def format_choices(choices: list[dict] | None) -> str:
    lines = []
    for choice in choices or []:
        label = choice.get("label") or {}
        parts = [choice.get("value", ""), *(label.get(loc, "") for loc in LOCALES)]
        while len(parts) > 1 and not parts[-1]:
            parts.pop()
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def field_input(form: FormData) -> svc.FieldInput:
    return svc.FieldInput(
        code=_text(form, "code"),
        type=_text(form, "type"),
        label=_texts(form, "label"),
        help=_texts(form, "help"),
        required=form.get("required") == "on",
        choices=parse_choices(_text(form, "choices")),
        min_value=_text(form, "min_value"),
        max_value=_text(form, "max_value"),
        max_length=_text(form, "max_length"),
    )


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def field_values(row: ServiceField) -> dict[str, str]:
    return {
        "code": row.code,
        "type": str(row.type),
        **_flatten("label", row.label),
        **_flatten("help", row.help),
        "required": "on" if row.required else "",
        "choices": format_choices(row.choices),
        "min_value": _number(row.min_value),
        "max_value": _number(row.max_value),
        "max_length": "" if row.max_length is None else str(row.max_length),
    }


# --- labels of the choices the forms offer (English msgids, translated in the templates) ---------
AUDIENCE_LABELS = {
    "members": N_("Members"),
    "enterprises": N_("Enterprises"),
    "both": N_("Members and enterprises"),
}
FIELD_TYPE_LABELS = {
    "text": N_("Text"),
    "long_text": N_("Long text"),
    "number": N_("Number"),
    "date": N_("Date"),
    "datetime": N_("Date and time"),
    "single_choice": N_("Single choice"),
    "multiple_choice": N_("Multiple choice"),
    "file": N_("File"),
}
