"""Lianxin's catalogue and requests as GeoReport v2 documents (plain dicts and lists in the
specification's field order), ready for :mod:`server.open311.formats`.

What the public may see, and only that: a request's document has no requester, no name,
phone or e-mail — there is no field here that could carry them. The requester's own words
(the description, a photo) and the room are published only for requests filed through
Open311, whose filers chose a public standard; a request made in Lianxin's own forms was
written for the department that serves it (legal aid, counselling, a member's situation) and
shows here only as its service, state, dates, department and building."""

from __future__ import annotations

from datetime import tzinfo

from server.catalog.snapshot import Catalog
from server.i18n_text import localized
from server.models import Open311Request, Service, ServiceField, ServiceRequest
from server.open311 import rules

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this door's discovery document last changed.
CHANGESET = "2026-12-02T00:00:00Z"
FORMATS = ["text/xml", "application/json"]


def discovery(base_url: str, contact: str, key_service: str) -> dict:
    return {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": key_service,
        "endpoints": [
            {"specification": SPECIFICATION, "url": f"{base_url}/open311/v2", "changeset": CHANGESET,
             "type": "production", "formats": FORMATS},
        ],
    }


def _attribute_fields(service: Service) -> list[ServiceField]:
    return [f for f in service.fields if f.type in rules.DATATYPES]


def service_entry(catalog: Catalog, service: Service, locale: str) -> dict:
    category = catalog.categories.get(service.category_id)
    group = localized(category.name, locale) if category else ""
    return {
        "service_code": service.code,
        "service_name": localized(service.name, locale),
        "description": localized(service.description, locale),
        "metadata": bool(_attribute_fields(service)),
        "type": "realtime",  # filed at once: the POST answers with the service_request_id
        "keywords": group,
        "group": group,
    }


def _datatype_description(field: ServiceField, locale: str) -> str | None:
    hints: list[str] = []
    if field.type == "number" and (field.min_value is not None or field.max_value is not None):
        low = "" if field.min_value is None else f"{field.min_value:g}"
        high = "" if field.max_value is None else f"{field.max_value:g}"
        hints.append(f"{low}–{high}")
    elif field.type == "date":
        hints.append("YYYY-MM-DD")
    elif field.type == "datetime":
        hints.append("ISO 8601, e.g. 2026-11-26T14:30:00+08:00")
    elif field.type in ("text", "long_text") and field.max_length:
        hints.append(f"≤ {field.max_length}")
    help_text = localized(field.help, locale)
    if help_text:
        hints.append(help_text)
    return " · ".join(hints) or None


def service_definition(service: Service, locale: str) -> dict:
    attributes = []
    for order, field in enumerate(_attribute_fields(service), start=1):
        entry = {
            "variable": True,
            "code": field.code,
            "datatype": rules.DATATYPES[field.type],
            "required": bool(field.required),
            "datatype_description": _datatype_description(field, locale),
            "order": order,
            "description": localized(field.label, locale),
        }
        if field.type in ("single_choice", "multiple_choice"):
            entry["values"] = [{"key": c["value"], "name": localized(c.get("label"), locale) or c["value"]}
                               for c in field.choices or []]
        attributes.append(entry)
    return {"service_code": service.code, "attributes": attributes}


# How a room and a floor are written in each language: data, like the buildings' names.
_ROOM = {"zh-Hans": "{}室", "zh-Hant": "{}室", "en": "Room {}"}
_FLOOR = {"zh-Hans": "{}层", "zh-Hant": "{}層", "en": "Floor {}"}


def _address(catalog: Catalog, request: ServiceRequest, locale: str, *,
             exact: bool) -> tuple[str | None, str | None]:
    """The place from the most specific part to the most general, as the specification
    asks: room, floor, building, street address (which parse_address reads back). Not
    ``exact``: the building only (a room in an office building names the enterprise)."""
    building = catalog.buildings.get(request.building_id) if request.building_id else None
    if building is None:
        return None, None
    room, floor = (request.room, request.floor) if exact else ("", "")
    parts = [
        _ROOM.get(locale, _ROOM["en"]).format(room) if room else "",
        _FLOOR.get(locale, _FLOOR["en"]).format(floor) if floor else "",
        localized(building.name, locale),
        building.address,
    ]
    return ", ".join(p for p in parts if p), rules.address_id(building.code, floor, room)


def request_entry(catalog: Catalog, request: ServiceRequest, extra: Open311Request | None, note: str | None,
                  zone: tzinfo, locale: str) -> dict:
    service = catalog.services.get(request.service_id)
    department = catalog.departments.get(request.department_id) if request.department_id else None
    # Filed through Open311 (``extra``): its filer's words are public; otherwise they are not.
    published = extra is not None
    address, address_id = _address(catalog, request, locale, exact=published)
    return {
        "service_request_id": request.number,
        "status": rules.status_of(request.status),
        "status_notes": note or None,
        "service_name": localized(service.name, locale) if service else None,
        "service_code": service.code if service else None,
        "description": (request.description or None) if published else None,
        "agency_responsible": localized(department.name, locale) if department else None,
        "service_notice": None,
        "requested_datetime": rules.format_datetime(request.submitted_at, zone),
        "updated_datetime": rules.format_datetime(request.updated_at, zone),
        "expected_datetime": rules.format_datetime(request.complete_due_at, zone),
        "address": address,
        "address_id": address_id,
        "zipcode": None,
        "lat": extra.lat if extra else None,
        "long": extra.long if extra else None,
        "media_url": (extra.media_url or None) if extra else None,
    }


def filed_entry(number: str, notice: str | None) -> dict:
    # The specification: service_request_id or token, never both; Lianxin files at once.
    return {"service_request_id": number, "service_notice": notice, "account_id": None}


def token_entry(number: str, token: str) -> dict:
    return {"service_request_id": number, "token": token}
