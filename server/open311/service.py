"""Filing a request through Open311 (POST requests): the GeoReport fields read into the one
submission path (``server.requests.service.submit``), so routing, time limits, numbering and
notifications apply as to every other request, and what GeoReport brings beyond Lianxin's
columns (reporter's name and e-mail, coordinate, media link) kept beside it.

Errors are :class:`Open311Errors`: GeoReport answers with a list, one entry per problem
(one per missing required attribute)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from server import policy
from server.catalog import snapshot
from server.catalog.snapshot import Catalog
from server.enums import FieldType
from server.errors import Forbidden, InvalidInput, LianxinError, Msg, NotFound
from server.i18n_text import N_
from server.models import Open311Key, Open311Request, Person, Service, ServiceRequest, utcnow
from server.open311 import rules
from server.requests import service as request_service


class Open311Errors(LianxinError):
    """One or more problems with what a client sent: ``problems`` is a list of messages
    (:class:`Msg` or msgids), each one GeoReport error with this status."""

    status_code = 400
    title = "Bad request"
    type_slug = "bad-request"

    def __init__(self, problems: list[str], status_code: int = 400):
        super().__init__(str(problems[0]) if problems else "Bad request.")
        self.problems = problems
        self.status_code = status_code


@dataclass
class Report:
    """A POST requests body, as GeoReport names its fields."""

    service_code: str = ""
    description: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    media_url: str = ""


def _where(report: Report, catalog: Catalog) -> tuple[rules.Place | None, float | None, float | None]:
    buildings = [b for b in catalog.buildings.values() if b.active]
    try:
        if report.address_id:
            return rules.parse_address_id(report.address_id, buildings), None, None
        if report.address_string:
            if len(report.address_string) > rules.MAX_ADDRESS:
                raise Open311Errors([Msg("address_string has at most {limit} characters.", limit=rules.MAX_ADDRESS)])
            return rules.parse_address(report.address_string, buildings), None, None
    except rules.PlaceError as exc:
        raise Open311Errors([Msg(exc.message, **exc.params)]) from None
    if not report.lat and not report.long:
        raise Open311Errors([N_("A location is required: address_string, address_id, or lat and long.")])
    try:
        lat, long = float(report.lat), float(report.long)
    except ValueError:
        raise Open311Errors([N_("lat and long must both be given, as decimal degrees (WGS84).")]) from None
    if not (math.isfinite(lat) and math.isfinite(long) and -90 <= lat <= 90 and -180 <= long <= 180):
        raise Open311Errors([N_("lat must lie between -90 and 90, long between -180 and 180.")])
    return None, lat, long


def _answers(service: Service, attributes: dict[str, list[str]]) -> dict:
    """attribute[code] values as the answers the submission checks; a single-value field
    sent several values is refused here (submission would take a list for a string)."""
    fields = {f.code: f for f in service.fields}
    answers: dict = {}
    problems: list[str] = []
    for code, values in attributes.items():
        known = fields.get(code)
        if known is None or known.type == FieldType.file:
            problems.append(Msg("attribute[{code}]: this service has no such attribute.", code=code))
        elif known.type == FieldType.multiple_choice:
            answers[code] = [v for v in values if v != ""]
        elif len(values) > 1:
            problems.append(Msg("attribute[{code}] takes one value.", code=code))
        else:
            answers[code] = values[0] if values else ""
    if problems:
        raise Open311Errors(problems)
    return answers


def _check_contact(report: Report) -> None:
    problems: list[str] = []
    if report.email and (len(report.email) > rules.MAX_EMAIL or not rules.EMAIL_RE.match(report.email)):
        problems.append(N_("email does not look like an e-mail address."))
    for name in ("first_name", "last_name"):
        if len(getattr(report, name)) > rules.MAX_NAME:
            problems.append(Msg("{name} has at most {limit} characters.", name=name, limit=rules.MAX_NAME))
    if report.media_url and (len(report.media_url) > rules.MAX_URL or not rules.URL_RE.match(report.media_url)):
        problems.append(N_("media_url must be an http or https address."))
    if not report.description.strip():
        problems.append(N_("description is required: say what you need."))
    elif len(report.description.strip()) > rules.MAX_DESCRIPTION:
        problems.append(Msg("description has at most {limit} characters.", limit=rules.MAX_DESCRIPTION))
    if problems:
        raise Open311Errors(problems)


# Lianxin's field names in a refused submission, as the GeoReport fields the client sent.
_FIELD_NAMES = {"description": "description", "contact_phone": "phone", "building_code": "address_string",
                "floor": "address_string", "room": "address_string", "service_code": "service_code"}


def _translate(exc: InvalidInput) -> Open311Errors:
    problems: list[str] = []
    for name, message in exc.errors.items():
        where = f"attribute[{name.removeprefix('answers.')}]" if name.startswith("answers.") else _FIELD_NAMES.get(name, name)
        text = message if isinstance(message, Msg) else Msg(str(message))
        problems.append(Msg("{field}: {problem}", field=where, problem=text))
    return Open311Errors(problems or [exc.message])


def file(session: Session, key: Open311Key, person: Person, report: Report, *, now: datetime | None = None) -> ServiceRequest:
    """File ``report`` as ``person`` (the key's account, whose permissions apply)."""
    now = now or utcnow()
    if not report.service_code:
        raise Open311Errors([N_("service_code is required.")])
    catalog = snapshot.load(session)
    service = request_service.orderable_service(catalog, report.service_code)
    if service is None:
        raise Open311Errors([Msg("There is no service {code}.", code=report.service_code)], status_code=404)
    # Who may order it comes first: the rest of the form is not this caller's to correct.
    refusal = policy.order_refusal(person, service)
    if refusal is not None:
        raise Open311Errors([refusal], status_code=403)
    _check_contact(report)
    place, lat, long = _where(report, catalog)
    answers = _answers(service, report.attributes)
    data = request_service.SubmitInput(
        service_code=service.code, description=report.description, contact_phone=report.phone,
        building_code=place.building.code if place else None, floor=place.floor if place else "",
        room=place.room if place else "", answers=answers,
    )
    try:
        filed = request_service.submit(session, person, data, now=now)
    except InvalidInput as exc:
        raise _translate(exc) from None
    except Forbidden as exc:
        raise Open311Errors([Msg(exc.message, **exc.params)], status_code=403) from None
    session.add(Open311Request(
        request_id=filed.request.id, key_id=key.id, first_name=report.first_name,
        last_name=report.last_name, email=report.email, lat=lat, long=long,
        address_string=report.address_string[: rules.MAX_ADDRESS], media_url=report.media_url, created_at=now,
    ))
    session.flush()
    return filed.request


def lookup_service(catalog: Catalog, code: str) -> Service:
    service = request_service.orderable_service(catalog, code)
    if service is None:
        raise NotFound("There is no service {code}.", {"code": code})
    return service
