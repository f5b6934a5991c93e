"""The service menu as a YAML file, in the format of seeds/catalog.yaml: export, and import
through the same admin service as the pages (validation, audit), so a menu can be kept in
version control and moved between installations.

Rows are matched by code. Import creates and updates; it never deletes a category or service
missing from the file (requests may refer to it): retire what should go. A service's fields
are made to match the file exactly (old requests keep their own snapshot of them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from sqlalchemy.orm import Session

from server.audit.service import changes, snapshot
from server.catalog import repository as repo
from server.catalog import service as svc
from server.catalog.file_format import FieldSeed, ServiceSeed, read_catalog
from server.catalog.rules import CHOICE_TYPES
from server.errors import InvalidInput, LianxinError
from server.i18n_text import LOCALES
from server.models import Category, Person, Service, ServiceField
from server.yaml_file import SeedError

HEADER = (
    "# The service menu 服务清单, exported by `lianxin export catalog`; the format of seeds/catalog.yaml.\n"
    "# Import it with `lianxin import catalog FILE` (rows are matched by code).\n"
)
NOTE = "import"


# --- export --------------------------------------------------------------------------------------
def export_catalog(session: Session) -> str:
    categories = repo.categories(session)
    category_codes = {c.id: c.code for c in categories}
    department_codes = {d.id: d.code for d in repo.departments(session)}
    data = {
        "categories": [_category(c) for c in categories],
        "services": [_service(s, category_codes, department_codes) for s in repo.services(session)],
    }
    return HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def _category(c: Category) -> dict[str, Any]:
    out: dict[str, Any] = {"code": c.code, "name": _texts(c.name)}
    if c.description:
        out["description"] = _texts(c.description)
    if c.retired_at is not None:
        out["retired"] = True
    return out


def _texts(texts: dict | None) -> dict[str, str]:
    # Locale order fixed, so two exports of the same menu are byte for byte the same.
    return {loc: texts[loc] for loc in LOCALES if (texts or {}).get(loc)}


def _service(s: Service, categories: dict[int, str], departments: dict[int, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"code": s.code, "category": categories[s.category_id], "name": _texts(s.name)}
    if s.description:
        out["description"] = _texts(s.description)
    out.update(
        audience=str(s.audience),
        department=departments.get(s.department_id) if s.department_id else None,
        claim_limit_hours=s.claim_limit_hours,
        complete_limit_days=s.complete_limit_days,
        allow_attachments=s.allow_attachments,
    )
    if s.retired_at is not None:
        out["retired"] = True
    if s.fields:
        out["fields"] = [_field(f) for f in s.fields]
    return out


def _field(f: ServiceField) -> dict[str, Any]:
    out: dict[str, Any] = {"code": f.code, "type": str(f.type), "label": _texts(f.label), "required": f.required}
    if f.help:
        out["help"] = _texts(f.help)
    if f.choices:
        out["choices"] = [{"value": c["value"], "label": _texts(c.get("label"))} for c in f.choices]
    for key, value in (("min", f.min_value), ("max", f.max_value)):
        if value is not None:
            out[key] = int(value) if float(value).is_integer() else value
    if f.max_length is not None:
        out["max_length"] = f.max_length
    return out


# --- import --------------------------------------------------------------------------------------
@dataclass
class ImportSummary:
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {k: {"created": 0, "updated": 0, "unchanged": 0} for k in ("categories", "services")}
    )

    def add(self, kind: str, outcome: str) -> None:
        self.counts[kind][outcome] += 1


def import_catalog(session: Session, actor: Person | None, text: str, *, file: str = "catalog.yaml") -> ImportSummary:
    """Create and update what ``text`` describes; only flushes (all or nothing is the door's
    transaction). Raises SeedError for a bad file, naming the entry and the problem."""
    departments = {d.code: d.id for d in repo.departments(session)}
    categories, services = read_catalog(text, set(departments), file=file)
    summary = ImportSummary()
    existing = {c.code: c for c in repo.categories(session)}
    category_ids = {}
    # Positions count from 0 like the seed loader's, so importing the seeds changes nothing.
    for position, c in enumerate(categories):
        data = svc.CategoryInput(code=c.code, name=c.name, description=c.description, position=position)
        row = existing.get(c.code)
        with _named(file, f"category #{position + 1} ({c.code})"):
            if row is None:
                row = svc.create_category(session, actor, data, note=NOTE)
                summary.add("categories", "created")
            else:
                summary.add("categories", "updated" if _changed(session, Category, svc.update_category, actor, row.id, data) else "unchanged")
            if c.retired != (row.retired_at is not None):
                (svc.retire_category if c.retired else svc.unretire_category)(session, actor, row.id, note=NOTE)
        category_ids[c.code] = row.id
    current = {s.code: s for s in repo.services(session)}
    for position, s in enumerate(services):
        with _named(file, f"service #{position + 1} ({s.code})"):
            outcome = _import_service(session, actor, s, position, current.get(s.code), category_ids, departments)
        summary.add("services", outcome)
    return summary


def _import_service(session, actor, s: ServiceSeed, position: int, row: Service | None, category_ids, departments) -> str:
    data = svc.ServiceInput(
        code=s.code, category_id=category_ids[s.category], name=s.name, description=s.description, audience=s.audience,
        department_id=departments[s.department] if s.department else None, claim_limit_hours=s.claim_limit_hours,
        complete_limit_days=s.complete_limit_days, allow_attachments=s.allow_attachments, position=position,
    )
    if row is None:
        row = svc.create_service(session, actor, data, note=NOTE)
        for n, f in enumerate(s.fields):
            svc.add_field(session, actor, row.id, _field_input(f, n), note=NOTE)
        if s.retired:
            svc.retire_service(session, actor, row.id, note=NOTE)
        return "created"
    changed = _changed(session, Service, svc.update_service, actor, row.id, data)
    wanted = {f.code for f in s.fields}
    for old in list(row.fields):
        if old.code not in wanted:
            svc.remove_field(session, actor, old.id, note=NOTE)
            changed = True
    by_code = {f.code: f for f in row.fields if f.code in wanted}
    for n, f in enumerate(s.fields):
        if f.code in by_code:
            changed |= _changed(session, ServiceField, svc.update_field, actor, by_code[f.code].id, _field_input(f, n))
        else:
            svc.add_field(session, actor, row.id, _field_input(f, n), note=NOTE)
            changed = True
    if s.retired != (row.retired_at is not None):
        (svc.retire_service if s.retired else svc.unretire_service)(session, actor, row.id, note=NOTE)
        changed = True
    return "updated" if changed else "unchanged"


def _field_input(f: FieldSeed, position: int) -> svc.FieldInput:
    return svc.FieldInput(
        code=f.code, type=f.type, label=f.label, help=f.help, required=f.required,
        choices=f.choices if f.type in CHOICE_TYPES else [], min_value=f.min_value, max_value=f.max_value,
        max_length=f.max_length, position=position,
    )


def _changed(session: Session, model: type, update, actor, row_id: int, data) -> bool:
    """Run an update and tell whether it changed anything."""
    row = session.get(model, row_id)
    before = snapshot(row)
    update(session, actor, row_id, data, note=NOTE)
    return bool(changes(before, snapshot(row)))


class _named:
    """Turn a service's validation error into a SeedError that names the file's entry."""

    def __init__(self, file: str, where: str):
        self.prefix = f"{file}: {where}"

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if isinstance(exc, InvalidInput):
            details = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
            raise SeedError(f"{self.prefix}: {details or exc.detail}") from exc
        if isinstance(exc, LianxinError):
            raise SeedError(f"{self.prefix}: {exc.detail}") from exc
        return False
