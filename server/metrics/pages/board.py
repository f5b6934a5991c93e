"""The public board 晒单 ``/board``: this month's figures by department and the red list, for
everyone signed in. Anonymised: departments by name, never a person or an enterprise."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from server.catalog import snapshot
from server.i18n_text import N_, localized
from server.metrics import board as board_service
from server.metrics import service as metrics
from server.metrics.filters import today
from server.metrics.pages import views
from server.metrics.pages.formats import Formats
from server.models import utcnow
from server.web.deps import DatabaseDep, PagePerson
from server.web.i18n import locale_for
from server.web.render import render

router = APIRouter()

COLUMNS = (
    ("volume", N_("Number of requests"), "count"),
    ("response", N_("Response rate"), "rate"),
    ("resolution", N_("Resolution rate"), "rate"),
    ("satisfaction", N_("Satisfaction rate"), "rate"),
    ("complete_p50", N_("Typical time to complete"), "hours"),
)
EVERYONE = metrics.Scope(metrics.ScopeKind.all)


@router.get("/board")
def public_board(request: Request, person: PagePerson, database: DatabaseDep) -> Response:
    now = utcnow()
    day = today(now)
    fmt = Formats(locale_for(request))
    with database.read() as session:
        result = board_service.board(session, day, day, now=now)
        catalog = snapshot.load(session)
        rows = []
        for row in result.rows:
            department = catalog.departments.get(row.department_id)
            name = localized(department.name, fmt.locale) if department else str(row.department_id)
            rows.append((name, {key: fmt.of_kind(kind, getattr(row, key)) for key, _label, kind in COLUMNS}))
        red = views.ranked_lines(fmt, result.red, catalog, EVERYONE, result.start, links=False)
    context = {
        "start": result.start, "end": result.end, "rows": rows, "columns": COLUMNS,
        "red": red, "red_columns": views.RED_BLACK_COLUMNS,
    }
    return render(request, "supervision/board.html", context)
