"""``/requests``: the request finder for every role, and its CSV/XLSX export.

Someone who only orders services (members, enterprise contacts) sees "my requests": what they
filed (and their enterprise's), status chips, the order button and a search box. Everyone else
gets the finder: a GET form of filters (so a list is a bookmarkable, shareable URL, built by
``server.web.links.finder_url``), rows, "more" by keyset cursor, and the export of the same list.
What each person sees, and every filter, is ``server.requests.finder``'s, as for the API.

An exact tracking number in ``q`` that the person may see jumps straight to its page (302).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from server.catalog import snapshot
from server.db import Database
from server.enums import RequestStatus, Role
from server.errors import InvalidInput
from server.exports import FORMATS, export_response
from server.i18n_text import N_, localized
from server.metrics.rollup import timezone
from server.models import Person, ServiceRequest
from server.requests import finder
from server.requests.pages.panels import RATING_LABELS
from server.requests.presenters import summaries
from server.web.deps import DatabaseDep, PagePerson
from server.web.i18n import gettext_for, locale_for
from server.web.labels import FLAG_LABELS, STATUS_LABELS
from server.web.links import finder_export_url, finder_url
from server.web.render import is_htmx, render

router = APIRouter()

REQUESTER_PAGE_SIZE = 20
FINDER_PAGE_SIZE = 50
Cursor = Annotated[str | None, Query(max_length=400)]

SORT_LABELS = {"newest": N_("Newest first"), "oldest": N_("Oldest first"), "due": N_("Due soonest")}
DATE_LABELS = {"submitted": N_("Submitted"), "due": N_("Due"), "completed": N_("Completed")}
OVERDUE_LABELS = {"claim": N_("Overdue to claim"), "complete": N_("Overdue to complete")}
EXPORT_COLUMNS = (
    N_("Tracking number"), N_("Service"), N_("Department"), N_("Enterprise"), N_("Building"), N_("Status"),
    N_("Submitted"), N_("Claimed"), N_("Completed"), N_("Claim due"), N_("Completion due"), N_("Flag"), N_("Rating"),
)


@router.get("/requests")
def requests_page(request: Request, person: PagePerson, database: DatabaseDep, cursor: Cursor = None) -> Response:
    locale = locale_for(request)
    requester = finder.requester_only(person)
    with database.read() as session:
        filters = finder.parse(session, request.query_params)
        target = finder.jump_target(session, person, filters.q) if filters.q else None
        if target is not None:
            return RedirectResponse(f"/requests/{target}", status_code=302)
        size = REQUESTER_PAGE_SIZE if requester else FINDER_PAGE_SIZE
        found = finder.find(session, person, filters, cursor=cursor, limit=size)
        items = summaries(session, found.rows, locale)
        choices = None if requester else _choices(session, locale)
    params = filters.url_params()
    more_url = finder_url(**params, cursor=found.next_cursor) if found.next_cursor else None
    context: dict[str, Any] = {
        "requester": requester, "filters": filters, "items": items, "next_cursor": found.next_cursor,
        "more_url": more_url, "statuses": list(RequestStatus), "choices": choices,
        "status": filters.statuses[0] if len(filters.statuses) == 1 else None,
        "sort_labels": SORT_LABELS, "date_labels": DATE_LABELS, "overdue_labels": OVERDUE_LABELS,
        "export_csv": finder_export_url("csv", **params), "export_xlsx": finder_export_url("xlsx", **params),
        "presets": [] if requester else _presets(person),
    }
    # Only the "more" link asks with htmx: it wants the next rows.
    return render(request, "requests/list.html", context, block="rows" if is_htmx(request) else None)


def _choices(session, locale: str) -> dict[str, list[tuple[int, str]]]:
    catalog = snapshot.load(session)
    return {
        "service": [(s.id, localized(s.name, locale)) for s in catalog.ordered_services(include_retired=True)],
        "category": [(c.id, localized(c.name, locale)) for c in catalog.ordered_categories(include_retired=True)],
        "department": [(d.id, localized(d.name, locale)) for d in sorted(catalog.departments.values(), key=lambda d: (d.position, d.id))],
        "building": [(b.id, localized(b.name, locale)) for b in sorted(catalog.buildings.values(), key=lambda b: b.code)],
        "enterprise": [(e.id, e.name) for e in sorted(catalog.enterprises.values(), key=lambda e: e.name)],
    }


def _presets(person: Person) -> list[tuple[str, str]]:
    """Ready-made lists for the person's work: (label msgid, URL)."""
    presets: list[tuple[str, str]] = []
    if person.has_role(Role.staff, Role.lead) and person.department_id is not None:
        presets.append((N_("Department queue"), finder_url(department=person.department_id, status=[RequestStatus.dispatched])))
        presets.append((N_("My tasks"), finder_url(assigned=1, status=[RequestStatus.claimed, RequestStatus.suspended])))
        presets.append((N_("My finished work"), finder_url(assigned=1, status=[RequestStatus.completed, RequestStatus.closed])))
    presets.append((N_("Overdue to claim"), finder_url(overdue="claim")))
    presets.append((N_("Overdue to complete"), finder_url(overdue="complete")))
    return presets


# --- export ----------------------------------------------------------------------------------


@router.get("/requests/export")
def export(request: Request, person: PagePerson, database: DatabaseDep,
           format: Annotated[str, Query(max_length=10)] = "xlsx") -> Response:
    """The list the same filters show, as CSV (UTF-8 with BOM) or XLSX, streamed in batches."""
    # No format (an address typed or shared without one): the Excel workbook offices open.
    if format not in FORMATS:
        raise InvalidInput(N_("Please check the filters."), {"format": N_("One of csv, xlsx.")})
    locale = locale_for(request)
    with database.read() as session:
        filters = finder.parse(session, request.query_params)
    gettext = gettext_for(locale)
    header = [gettext(c) for c in EXPORT_COLUMNS]
    stem = "requests-" + datetime.now(timezone()).strftime("%Y%m%d-%H%M")
    return export_response(format, stem, header, export_rows(database, person, filters, locale), sheet_title=gettext("Requests"))


def export_rows(database: Database, person: Person, filters: finder.Filters, locale: str) -> Iterator[list]:
    """The export's rows, read in batches in a session of their own (the response streams
    after the endpoint has returned)."""
    gettext = gettext_for(locale)
    zone = timezone()

    def local(value: datetime | None) -> datetime | None:
        return value.astimezone(zone) if value is not None else None

    with database.read_stream() as session:
        catalog = snapshot.load(session)

        def name(table: dict, key: int | None) -> str:
            row = table.get(key) if key is not None else None
            return localized(row.name, locale) if row is not None else ""

        for batch in finder.export_batches(session, person, filters):
            for r in batch:
                yield _export_row(r, catalog, name, local, gettext)


def _export_row(r: ServiceRequest, catalog, name, local, gettext) -> list:
    enterprise = catalog.enterprises.get(r.enterprise_id) if r.enterprise_id is not None else None
    return [
        r.number, name(catalog.services, r.service_id), name(catalog.departments, r.department_id),
        enterprise.name if enterprise is not None else "", name(catalog.buildings, r.building_id),
        gettext(STATUS_LABELS[RequestStatus(r.status)]),
        local(r.submitted_at), local(r.claimed_at), local(r.completed_at), local(r.claim_due_at), local(r.complete_due_at),
        gettext(FLAG_LABELS[r.flag]) if r.flag in FLAG_LABELS else "",
        gettext(RATING_LABELS[r.rating]) if r.rating in RATING_LABELS else "",
    ]
