"""The Open311 GeoReport v2 door, under /open311/v2/: discovery, services, a service's
definition, POST and GET requests, one request, and tokens, each as ``.json`` and ``.xml``.

GETs are public, as the specification has them, and show only what the public may see
(``server.open311.presenters``). POST needs an ``api_key`` issued by an admin
(``server.open311.keys``); what it files goes through the one submission path. Errors are
GeoReport's list of ``{code, description}`` with the status the specification assigns
(:func:`error_response`, installed by ``server.app`` for every path under /open311/)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from server.catalog import snapshot
from server.config import get_settings
from server.errors import InvalidInput, LianxinError, Msg, NotFound, localize
from server.i18n_locale import negotiate, normalize_locale
from server.i18n_text import DEFAULT_LOCALE, N_
from server.models import Open311Key, Person, utcnow
from server.notifications.texts import gettext_for
from server.open311 import formats, keys, presenters, repository, rules
from server.open311 import service as open311_service
from server.open311.service import Open311Errors, Report

log = logging.getLogger("lianxin")

PREFIX = "/open311"
MAX_FORM_BYTES = 64 * 1024  # a report with a 4,000-character description is a few kB
MAX_QUERY_BYTES = 32 * 1024  # room for 1,000 tracking numbers
MAX_FIELDS = 200
FORM_TYPE = "application/x-www-form-urlencoded"


class FormatConvertor(Convertor[str]):
    regex = "json|xml"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("open311_format", FormatConvertor())

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def is_open311_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


# --- reading what was sent --------------------------------------------------------------------
Params = list[tuple[str, str]]


def _clean(pairs: Params) -> Params:
    for name, value in pairs:
        if "\x00" in name or "\x00" in value:
            raise Open311Errors([N_("The request contains a NUL character, which no field may hold.")])
    return pairs


def _query(request: Request) -> Params:
    if len(request.url.query) > MAX_QUERY_BYTES:
        raise Open311Errors([N_("The query string is too long.")])
    return _clean(list(request.query_params.multi_items()))


async def read_report_form(request: Request) -> Params:
    """The POST body (form-encoded, as GeoReport posts) and the query string, as pairs.
    Read here, bounded, rather than by the general form parser: a report is small, and
    anything past ``MAX_FORM_BYTES`` is refused as it arrives (400)."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != FORM_TYPE:
        raise Open311Errors([Msg("Send the request as {media_type}.", media_type=FORM_TYPE)])
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise Open311Errors([Msg("The request is larger than {limit} bytes.", limit=MAX_FORM_BYTES)])
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                          max_num_fields=MAX_FIELDS, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise Open311Errors([N_("The request body is not UTF-8 form data.")]) from None
    return _query(request) + _clean(pairs)


FormDep = Annotated[Params, Depends(read_report_form)]


def _one(pairs: Params, name: str) -> str:
    values = [v for k, v in pairs if k == name]
    if len(values) > 1 and len(set(values)) > 1:
        raise Open311Errors([Msg("{name} was sent more than once.", name=name)])
    return values[0].strip() if values else ""


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _check_jurisdiction(pairs: Params) -> None:
    configured = get_settings().open311_jurisdiction
    sent = _one(pairs, "jurisdiction_id")
    if configured and not sent:
        raise Open311Errors([Msg("jurisdiction_id is required: this server answers for {jurisdiction}.",
                                 jurisdiction=configured)])
    if configured and sent != configured:
        raise Open311Errors([Msg("Unknown jurisdiction_id: this server answers for {jurisdiction}.",
                                 jurisdiction=configured)], status_code=404)


def _asked_locale(request: Request, locale_param: str) -> str | None:
    """The language the client names: ``?locale=`` first, else Accept-Language; None if neither."""
    if locale := normalize_locale(locale_param):
        return locale
    header = request.headers.get("accept-language")
    return negotiate(header) if header else None


def _locale(request: Request, pairs: Params) -> str:
    return _asked_locale(request, _one(pairs, "locale")) or DEFAULT_LOCALE


def _reply(fmt: str, root: str, document, status_code: int = 200) -> Response:
    body, media_type = formats.render(fmt, root, document)
    return Response(body, status_code=status_code, media_type=media_type)


# --- who posts --------------------------------------------------------------------------------
def open311_caller(request: Request, form: FormDep) -> tuple[Open311Key, Person]:
    """The key and the account a POST files as: 403 without a live ``api_key``."""
    _check_jurisdiction(form)
    api_key = _one(form, "api_key")
    with request.app.state.database.read() as session:
        found = keys.resolve(session, api_key) if api_key else None
    if found is None:
        raise Open311Errors([N_("api_key is missing, unknown or revoked: ask the centre's administrator for one.")],
                            status_code=403)
    request.state.person = found[1]  # who asked, for the request log
    return found


Caller = Annotated[tuple[Open311Key, Person], Depends(open311_caller)]


# --- the endpoints ----------------------------------------------------------------------------
def _discovery(request: Request, fmt: str) -> Response:
    _query(request)
    settings = get_settings()
    base = str(request.base_url).rstrip("/")
    contact = settings.site_name or "连心 Lianxin"
    key_service = f"{contact}: an administrator issues API keys (admin → Open311 keys)."
    return _reply(fmt, "discovery", presenters.discovery(base, contact, key_service))


@router.get("/discovery.{fmt:open311_format}")
def discovery_root(request: Request, fmt: str):
    return _discovery(request, fmt)


@router.get("/v2/discovery.{fmt:open311_format}")
def discovery(request: Request, fmt: str):
    return _discovery(request, fmt)


@router.get("/v2/services.{fmt:open311_format}")
def services(request: Request, fmt: str):
    pairs = _query(request)
    _check_jurisdiction(pairs)
    locale = _locale(request, pairs)
    with request.app.state.database.read() as session:
        catalog = snapshot.load(session)
    entries = [presenters.service_entry(catalog, s, locale) for s in catalog.ordered_services()]
    return _reply(fmt, "services", entries)


@router.get("/v2/services/{service_code}.{fmt:open311_format}")
def service_definition(request: Request, service_code: str, fmt: str):
    pairs = _query(request)
    _check_jurisdiction(pairs)
    with request.app.state.database.read() as session:
        service = open311_service.lookup_service(snapshot.load(session), service_code)
    return _reply(fmt, "service_definition", presenters.service_definition(service, _locale(request, pairs)))


def _report(pairs: Params) -> Report:
    attributes: dict[str, list[str]] = {}
    for name, value in pairs:
        if name.startswith("attribute[") and name.endswith("]"):
            code = name[len("attribute["):].removesuffix("[]").removesuffix("]")
            if not code or "[" in code or "]" in code:
                raise Open311Errors([Msg("{name} is not a field GeoReport knows.", name=name)])
            attributes.setdefault(code, []).append(value.strip())
    fields = {name: _one(pairs, name) for name in (
        "service_code", "lat", "long", "address_string", "address_id", "email", "first_name", "last_name",
        "phone", "media_url")}
    # The description keeps its line breaks; only the ends are trimmed.
    descriptions = [v for k, v in pairs if k == "description"]
    return Report(description=descriptions[0].strip() if descriptions else "", attributes=attributes, **fields)


@router.post("/v2/requests.{fmt:open311_format}")
def post_request(request: Request, fmt: str, form: FormDep, caller: Caller):
    key, person = caller
    report = _report(form)
    with request.app.state.database.write() as session:
        number = open311_service.file(session, key, person, report).number
        keys.mark_used(session, key.id)
    return _reply(fmt, "service_requests", [presenters.filed_entry(number, None)])


def _documents(request: Request, rows, pairs: Params) -> list[dict]:
    zone = ZoneInfo(get_settings().timezone)
    locale = _locale(request, pairs)
    with request.app.state.database.read() as session:
        catalog = snapshot.load(session)
        notes = repository.latest_public_notes(session, [r.id for r, _ in rows])
    return [presenters.request_entry(catalog, r, extra, notes.get(r.id), zone, locale) for r, extra in rows]


@router.get("/v2/requests.{fmt:open311_format}")
def requests(request: Request, fmt: str):
    pairs = _query(request)
    _check_jurisdiction(pairs)
    ids = _list(_one(pairs, "service_request_id"))
    zone = ZoneInfo(get_settings().timezone)
    with request.app.state.database.read() as session:
        if ids:
            # The specification: a list of ids overrides every other filter.
            if len(ids) > rules.MAX_IDS:
                raise Open311Errors([Msg("At most {limit} service_request_id values.", limit=rules.MAX_IDS)])
            rows = repository.requests_by_number(session, ids)
        else:
            catalog = snapshot.load(session)
            codes = _list(_one(pairs, "service_code"))
            unknown = [c for c in codes if catalog.service(c) is None]
            if unknown:
                raise Open311Errors([Msg("There is no service {code}.", code=c) for c in unknown], status_code=404)
            try:
                statuses = rules.statuses_for(_list(_one(pairs, "status")))
            except ValueError as exc:
                raise Open311Errors([Msg("status may be open or closed, not {word}.", word=str(exc))]) from None
            start, end = _dates(pairs, zone)
            rows = repository.requests_in_window(
                session, start=start, end=end, statuses=statuses, limit=rules.MAX_RESULTS,
                service_ids=[catalog.service(c).id for c in codes] if codes else None,
            )
    return _reply(fmt, "service_requests", _documents(request, rows, pairs))


def _dates(pairs: Params, zone):
    parsed = {}
    for name in ("start_date", "end_date"):
        text = _one(pairs, name)
        try:
            parsed[name] = rules.parse_datetime(text, zone, end_of_day=name == "end_date") if text else None
        except ValueError:
            raise Open311Errors([Msg("{name} must be a w3 datetime, e.g. 2026-11-01T00:00:00+08:00.", name=name)]) from None
    try:
        return rules.window(parsed["start_date"], parsed["end_date"], utcnow())
    except ValueError as exc:
        raise Open311Errors([str(exc.args[0])]) from None


@router.get("/v2/requests/{service_request_id}.{fmt:open311_format}")
def one_request(request: Request, service_request_id: str, fmt: str):
    pairs = _query(request)
    _check_jurisdiction(pairs)
    with request.app.state.database.read() as session:
        rows = repository.requests_by_number(session, [service_request_id])
    if not rows:
        raise NotFound("There is no request {number}.", {"number": service_request_id})
    return _reply(fmt, "service_requests", _documents(request, rows, pairs))


@router.get("/v2/tokens/{token}.{fmt:open311_format}")
def token(request: Request, token: str, fmt: str):
    pairs = _query(request)
    _check_jurisdiction(pairs)
    with request.app.state.database.read() as session:
        number = repository.number_for_token(session, token) if len(token) <= 64 else None
    if number is None:
        raise NotFound("There is no such token.")
    return _reply(fmt, "service_requests", [presenters.token_entry(number, token)])


# --- errors ---------------------------------------------------------------------------------
def _problems(exc: Exception, gettext: Callable[[str], str]) -> tuple[int, list[str]]:
    status, problems = _status_and_problems(exc, gettext)
    # The specification: 404 for what does not exist, 403 for the api_key, 400 for the rest.
    return (status if status in (403, 404) or status >= 500 else 400), problems


def _status_and_problems(exc: Exception, gettext: Callable[[str], str]) -> tuple[int, list[str]]:
    if isinstance(exc, Open311Errors):
        return exc.status_code, [localize(p, gettext) for p in exc.problems]
    if isinstance(exc, InvalidInput):
        return 400, ([f"{name}: {localize(message, gettext)}" for name, message in exc.errors.items()]
                     or [exc.localized(gettext)])
    if isinstance(exc, LianxinError):
        # GeoReport knows no 401: a missing or bad credential is its 403.
        return (403 if exc.status_code == 401 else exc.status_code), [exc.localized(gettext)]
    if isinstance(exc, RequestValidationError):
        return 400, [gettext(N_("The request's parameters are not valid."))]
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 413:  # refused by size before any view ran
            return 400, [Msg("The request is larger than {limit} bytes.", limit=MAX_FORM_BYTES).localized(gettext)]
        detail = exc.detail if isinstance(exc.detail, str) else "Error."
        return exc.status_code, [detail]
    return 500, [gettext(N_("Something went wrong on our side; please try again."))]


def error_response(request: Request, exc: Exception) -> Response:
    """Any error under /open311/ as GeoReport's errors document, in the format the path asks."""
    # GeoReport leaves an error's description free: it comes in the language the client named
    # (?locale= in the query string, or Accept-Language), as the other texts do. A client that
    # names none gets English, the language of the specification's examples and of the
    # developer reading it, rather than the installation's default.
    locale = _asked_locale(request, request.query_params.get("locale", ""))
    status, problems = _problems(exc, gettext_for(locale) if locale else str)
    if status >= 500:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    fmt = "xml" if request.url.path.endswith(".xml") else "json"
    response = _reply(fmt, "errors", [{"code": status, "description": text} for text in problems], status)
    if isinstance(exc, StarletteHTTPException) and exc.status_code == 413:
        response.headers["Connection"] = "close"
    return response
