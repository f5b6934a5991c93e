"""The service menu's YAML format: seeds/catalog.yaml, and the files of `lianxin export|import
catalog`. Reading a file checks its structure here and every entry against the catalogue's
rules (server/catalog/rules.py), the same ones the admin pages and the API apply; an error
names the file, the entry and the problem. The result is plain dataclasses: no database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.catalog import rules
from server.enums import Audience, FieldType
from server.yaml_file import Entry, entries, load_text

# The file's keys where they differ from the rules' field names.
_KEYS = {"min_value": "min", "max_value": "max"}


@dataclass(frozen=True)
class CategorySeed:
    code: str
    name: dict[str, str]
    description: dict[str, str]
    retired: bool = False


@dataclass(frozen=True)
class FieldSeed:
    code: str
    type: FieldType
    label: dict[str, str]
    required: bool
    help: dict[str, str]
    choices: list[dict[str, Any]]
    min_value: float | None
    max_value: float | None
    max_length: int | None


@dataclass(frozen=True)
class ServiceSeed:
    code: str
    category: str
    name: dict[str, str]
    description: dict[str, str]
    audience: Audience
    department: str | None
    claim_limit_hours: int
    complete_limit_days: int
    allow_attachments: bool
    fields: list[FieldSeed]
    retired: bool = False


def _parse_field(service: Entry, index: int, item: Any) -> FieldSeed:
    code = item.get("code") if isinstance(item, dict) else None
    e = Entry(service.file, f"{service.where}: field #{index}" + (f" ({code})" if code else ""), item, complete=service.complete)
    ftype = e.enum("type", FieldType)
    choices = [
        (lambda c: {"value": c.text("value"), "label": c.localized("label")})(
            Entry(e.file, f"{e.where}: choice #{n}", choice, complete=e.complete))
        for n, choice in enumerate(e.items("choices", required=ftype in rules.CHOICE_TYPES), 1)
    ]
    errors: dict[str, str] = {}
    values = rules.check_field(
        errors, code=e.text("code"), type=ftype, label=e.localized("label"), help=e.localized("help", required=False),
        required=e.flag("required", False), choices=choices, min_value=e.number("min"), max_value=e.number("max"),
        max_length=e.integer("max_length", minimum=1, required=False),
    )
    e.refuse(errors, _KEYS)
    return FieldSeed(
        code=values["code"], type=values["type"], label=values["label"], required=values["required"],
        help=values["help"], choices=values["choices"], min_value=values["min_value"],
        max_value=values["max_value"], max_length=values["max_length"],
    )


def parse_catalog(
    file: str, data: dict, department_codes: set[str], *, complete: bool = True
) -> tuple[list[CategorySeed], list[ServiceSeed]]:
    """``complete=False`` (the admin's import) lets translations other than zh-Hans be
    missing and service descriptions be empty, as the admin pages allow."""
    categories = []
    for e in entries(file, data, "categories", "category", "code", complete=complete):
        errors: dict[str, str] = {}
        values = rules.check_category(errors, code=e.text("code"), name=e.localized("name"),
                                      description=e.localized("description", required=False))
        e.refuse(errors)
        categories.append(CategorySeed(values["code"], values["name"], values["description"], e.flag("retired", False)))
    category_codes = {c.code for c in categories}
    services = []
    for e in entries(file, data, "services", "service", "code", complete=complete):
        category = e.text("category")
        if category not in category_codes:
            e.fail(f"unknown category {category!r}; known: {', '.join(sorted(category_codes))}")
        if "department" not in e.data:
            e.fail("`department` is missing (write `department: null` to let a dispatcher decide)")
        department = e.optional_text("department")
        if department is not None and department not in department_codes:
            e.fail(f"unknown department {department!r}; known: {', '.join(sorted(department_codes))}")
        fields = [_parse_field(e, n, item) for n, item in enumerate(e.items("fields", required=False), 1)]
        codes = [f.code for f in fields]
        if len(set(codes)) != len(codes):
            e.fail("two fields share a code")
        errors = {}
        values = rules.check_service(
            errors, code=e.text("code"), name=e.localized("name"),
            description=e.localized("description", required=complete), audience=e.enum("audience", Audience, Audience.both),
            claim_limit_hours=e.integer("claim_limit_hours", minimum=1),
            complete_limit_days=e.integer("complete_limit_days", minimum=1),
        )
        e.refuse(errors)
        services.append(
            ServiceSeed(
                category=category, department=department, allow_attachments=e.flag("allow_attachments", True),
                fields=fields, retired=e.flag("retired", False), **values,
            )
        )
    return categories, services


def read_catalog(text: str, department_codes: set[str], *, file: str = "catalog.yaml"):
    """Parse and check a catalogue file given as text (an admin's import: translations other
    than zh-Hans may be missing); raises SeedError naming the entry."""
    return parse_catalog(file, load_text(text, file), department_codes, complete=False)
