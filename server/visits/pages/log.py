"""The visit log 走访记录 (/visits/log) with its filters, "more" by keyset cursor, and its
CSV/XLSX export (/visits/log/export?format=csv|xlsx). Each person sees the visits
``visits.repository.visibility`` gives them; an enterprise contact, their enterprise's, without
the centre's internal notes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from server import policy
from server.catalog import snapshot
from server.db import Database
from server.errors import InvalidInput
from server.exports import FORMATS, export_response
from server.i18n_text import N_
from server.metrics.rollup import timezone
from server.models import Person
from server.visits import repository
from server.visits.pages.common import VisitsPerson, cards, department_options
from server.visits.rules import LogFilters, parse_filters
from server.web.deps import DatabaseDep
from server.web.i18n import gettext_for, locale_for
from server.web.labels import STATUS_LABELS
from server.web.render import is_htmx, render

router = APIRouter()
Cursor = Annotated[str | None, Query(max_length=400)]
EXPORT_COLUMNS = (
    N_("Date"), N_("Enterprise"), N_("Staff who went"), N_("Met with"), N_("Topics"), N_("Findings"),
    N_("Follow-ups"), N_("Requests filed"), N_("Logged by"),
)
INTERNAL_COLUMN = N_("Internal notes")


@router.get("/visits/log")
def log_page(request: Request, person: VisitsPerson, database: DatabaseDep, cursor: Cursor = None) -> Response:
    locale = locale_for(request)
    filters = parse_filters(request.query_params)
    with database.read() as session:
        page = repository.visits_page(session, person, cursor=cursor, **filters.as_kwargs())
        items = cards(session, page.rows)
        catalog = snapshot.load(session)
        enterprises = sorted(catalog.enterprises.values(), key=lambda e: e.name)
        if not policy.sees_all_visits(person) and not (person.roles & policy.VISIT_WORKERS):
            enterprises = [e for e in enterprises if e.id == person.enterprise_id]
        options = department_options(session, locale)
    query = filters.query()
    more = "/visits/log?" + urlencode({**query, "cursor": page.next_cursor}) if page.next_cursor else None
    context = {
        "items": items, "filters": filters, "more_url": more, "after": bool(cursor),
        "enterprise_options": [(e.id, e.name) for e in enterprises], "department_options": options,
        "export_csv": "/visits/log/export?" + urlencode({**query, "format": "csv"}),
        "export_xlsx": "/visits/log/export?" + urlencode({**query, "format": "xlsx"}),
        "is_worker": bool(person.roles & policy.VISIT_WORKERS),
    }
    return render(request, "visits/log.html", context, block="rows" if is_htmx(request) else None)


@router.get("/visits/log/export")
def export(request: Request, person: VisitsPerson, database: DatabaseDep,
           format: Annotated[str, Query(max_length=10)] = "xlsx") -> Response:
    # No format (an address typed or shared without one): the Excel workbook offices open.
    if format not in FORMATS:
        raise InvalidInput(N_("Please check the filters."), {"format": N_("One of csv, xlsx.")})
    filters = parse_filters(request.query_params)
    locale = locale_for(request)
    gettext = gettext_for(locale)
    internal = policy.sees_visit_internals(person)
    header = [gettext(c) for c in EXPORT_COLUMNS] + ([gettext(INTERNAL_COLUMN)] if internal else [])
    stem = "visits-" + datetime.now(timezone()).strftime("%Y%m%d-%H%M")
    return export_response(format, stem, header, export_rows(database, person, filters, locale, internal),
                           sheet_title=gettext("Visits"))


def export_rows(database: Database, person: Person, filters: LogFilters, locale: str, internal: bool) -> Iterator[list]:
    """In a session of its own: the response streams after the endpoint returned."""
    gettext = gettext_for(locale)
    with database.read_stream() as session:
        visits = repository.visits_for_export(session, person, **filters.as_kwargs())
        for start in range(0, len(visits), 200):
            for card in cards(session, visits[start:start + 200]):
                v = card.visit
                needs = "; ".join(f"{r.number} {gettext(STATUS_LABELS[r.status])}" for r in card.needs)
                row = [v.visited_on, card.enterprise.name, "、".join(p.display_name for p in card.staff), v.met_with,
                       v.topics, v.findings, v.follow_ups, needs, card.created_by.display_name if card.created_by else ""]
                yield row + ([v.internal_notes] if internal else [])
