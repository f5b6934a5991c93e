"""The menu administration's HTML forms: form data → the service's inputs, and rows → the
values that fill a form. Field names follow the service's error keys (``name.zh-Hans``), so
each message lands next to its input."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from server.catalog import service as svc
from server.i18n_text import LOCALES, N_
from server.models import Category, Service, ServiceField
from server.web.formdata import checked, optional_id, text, texts


def _flatten(prefix: str, texts: dict | None) -> dict[str, str]:
    return {f"{prefix}.{loc}": (texts or {}).get(loc, "") for loc in LOCALES}


# --- categories ----------------------------------------------------------------------------------
def category_input(form: FormData) -> svc.CategoryInput:
    return svc.CategoryInput(code=text(form, "code"), name=texts(form, "name"), description=texts(form, "description"))


def category_values(category: Category) -> dict[str, str]:
    return {"code": category.code, **_flatten("name", category.name), **_flatten("description", category.description)}


# --- services ------------------------------------------------------------------------------------
def service_input(form: FormData) -> svc.ServiceInput:
    return svc.ServiceInput(
        code=text(form, "code"),
        category_id=optional_id(form, "category_id"),
        name=texts(form, "name"),
        description=texts(form, "description"),
        audience=text(form, "audience"),
        department_id=optional_id(form, "department_id"),
        claim_limit_hours=text(form, "claim_limit_hours"),
        complete_limit_days=text(form, "complete_limit_days"),
        allow_attachments=checked(form, "allow_attachments"),
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
        code=text(form, "code"),
        type=text(form, "type"),
        label=texts(form, "label"),
        help=texts(form, "help"),
        required=checked(form, "required"),
        choices=parse_choices(text(form, "choices")),
        min_value=text(form, "min_value"),
        max_value=text(form, "max_value"),
        max_length=text(form, "max_length"),
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
