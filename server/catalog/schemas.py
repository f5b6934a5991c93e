"""API shapes of the service menu."""

from __future__ import annotations

from pydantic import BaseModel

from server.enums import Audience, FieldType
from server.i18n_text import localized
from server.models import Category, Department, Service, ServiceField


class Choice(BaseModel):
    value: str
    label: str


class FieldOut(BaseModel):
    code: str
    type: FieldType
    label: str
    help: str
    required: bool
    choices: list[Choice] = []
    min: float | None = None
    max: float | None = None
    max_length: int | None = None

    @classmethod
    def of(cls, field: ServiceField, locale: str) -> FieldOut:
        return cls(
            code=field.code,
            type=field.type,
            label=localized(field.label, locale),
            help=localized(field.help, locale),
            required=field.required,
            choices=[Choice(value=c["value"], label=localized(c.get("label"), locale)) for c in field.choices or []],
            min=field.min_value,
            max=field.max_value,
            max_length=field.max_length,
        )


class ServiceOut(BaseModel):
    code: str
    name: str
    description: str
    category: str
    category_name: str
    audience: Audience
    department: str | None
    department_name: str | None
    claim_limit_hours: int
    complete_limit_days: int
    allow_attachments: bool
    retired: bool

    @classmethod
    def of(cls, service: Service, category: Category, department: Department | None, locale: str) -> ServiceOut:
        return cls(
            code=service.code,
            name=localized(service.name, locale),
            description=localized(service.description, locale),
            category=category.code,
            category_name=localized(category.name, locale),
            audience=service.audience,
            department=department.code if department else None,
            department_name=localized(department.name, locale) if department else None,
            claim_limit_hours=service.claim_limit_hours,
            complete_limit_days=service.complete_limit_days,
            allow_attachments=service.allow_attachments,
            retired=service.retired_at is not None,
        )


class ServiceDetail(ServiceOut):
    fields: list[FieldOut]
