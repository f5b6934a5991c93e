"""The supervision pages 督办看板: ``/supervision`` (the figures, charts and department table),
``/supervision/staff`` (one department's people), ``/supervision/redblack`` (a month's red and
black list) and ``/supervision/departments.csv|.xlsx`` (the department table, by server/exports.py).

Supervisors and administrators see everything; a department lead sees their own department (a
filter for another one is refused); everyone else gets the 403 page. Filters are a GET form, so
every view is a URL to bookmark and share.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from server.accounts import people_repository
from server.catalog import snapshot
from server.errors import Forbidden, InvalidInput, localize
from server.exports import FORMATS, export_response
from server.i18n_text import localized
from server.metrics import filters as metric_filters
from server.metrics import service as metrics
from server.metrics.pages import charts as chart_views
from server.metrics.pages import period as periods
from server.metrics.pages import programme as programme_section
from server.metrics.pages import views
from server.metrics.pages.formats import Formats
from server.models import Person, utcnow
from server.visits.pages.supervision import section as visit_section
from server.web.deps import DatabaseDep, PagePerson
from server.web.i18n import gettext_for, locale_for
from server.web.render import render

router = APIRouter()

Code = Annotated[str | None, Query(max_length=60)]
DateText = Annotated[str | None, Query(max_length=10)]
Given = dict[str, str | None]


def _scope(person: Person) -> metrics.Scope:
    scope = metrics.scope_for(person)
    if scope.kind == metrics.ScopeKind.forbidden:
        raise Forbidden("Only supervisors, administrators and department leads see the figures.")
    return scope


def _form(request: Request, template: str, session, scope, given: Given, period: periods.Period,
          error: InvalidInput | None, extra: dict | None = None) -> Response:
    """The page again with its filter form and what was wrong, as a 422; with no ``error``,
    the form alone (a page opened before anything was chosen), as a 200."""
    gettext = gettext_for(locale_for(request))
    context = {
        "given": given, "period": period, "periods": periods.PERIODS,
        "choices": views.choices(snapshot.load(session), locale_for(request), scope),
        "error": error.localized(gettext) if error else None,
        "field_errors": {name: localize(message, gettext) for name, message in error.errors.items()} if error else {},
        "scope_all": scope.kind == metrics.ScopeKind.all, **(extra or {}),
    }
    return render(request, template, context, status_code=error.status_code if error else 200)


def _selection(session, scope, given: Given, period: periods.Period, now) -> views.Selection:
    parsed = metric_filters.parse_filters(
        session, now, start=period.start, end=period.end, department=given["department"],
        category=given["category"], service=given["service"], building=given["building"],
        enterprise=given["enterprise"],
    )
    return views.Selection.of(period, metric_filters.within_scope(scope, parsed), snapshot.load(session))


def _common(request: Request, session, scope, sel: views.Selection) -> dict:
    locale = locale_for(request)
    return {
        "sel": sel, "given": {**sel.codes}, "period": sel.period, "periods": periods.PERIODS,
        "choices": views.choices(snapshot.load(session), locale, scope),
        "scope_all": scope.kind == metrics.ScopeKind.all, "field_errors": {}, "error": None,
    }


@router.get("/supervision")
def dashboard(
    request: Request,
    person: PagePerson,
    database: DatabaseDep,
    period: Annotated[str | None, Query(max_length=10)] = None,
    from_: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    to: DateText = None,
    department: Code = None,
    category: Code = None,
    service: Code = None,
    building: Code = None,
    enterprise: Annotated[str | None, Query(max_length=12)] = None,
) -> Response:
    scope = _scope(person)
    now = utcnow()
    given = {"department": department, "category": category, "service": service, "building": building,
             "enterprise": enterprise, "from": from_, "to": to}
    chosen = periods.choose(period, from_, to, now)
    fmt = Formats(locale_for(request))
    with database.read() as session:
        try:
            sel = _selection(session, scope, given, chosen, now)
        except InvalidInput as exc:
            return _form(request, "supervision/dashboard.html", session, scope, given, chosen, exc)
        over = metrics.overview(session, sel.filters, now=now)
        catalog = snapshot.load(session)
        context = {
            **_common(request, session, scope, sel),
            "headline": views.headline(fmt, sel, over.current, over.previous),
            "previous": sel.filters.previous(),
            "departments": views.department_lines(fmt, sel, over.departments, catalog, scope),
            "department_columns": views.DEPARTMENT_COLUMNS,
            "charts": chart_views.dashboard_charts(fmt, sel, over, catalog, now),
            "month": metric_filters.today(now).strftime("%Y-%m"),
            "visit_figures": visit_section(fmt, session, sel.filters.start, sel.filters.end, sel.filters.department_id),
            "programme_figures": programme_section.section(fmt, session, sel.filters.start, sel.filters.end,
                                                           sel.filters.department_id, now,
                                                           details=sel.url("/supervision/programme")),
        }
    return render(request, "supervision/dashboard.html", context)


@router.get("/supervision/staff")
def staff(
    request: Request,
    person: PagePerson,
    database: DatabaseDep,
    department: Code = None,
    period: Annotated[str | None, Query(max_length=10)] = None,
    from_: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    to: DateText = None,
) -> Response:
    """One department's people: the requests of the period each holds now, and their load."""
    scope = _scope(person)
    now = utcnow()
    given = {"department": department, "category": None, "service": None, "building": None, "enterprise": None,
             "from": from_, "to": to}
    chosen = periods.choose(period, from_, to, now)
    fmt = Formats(locale_for(request))
    with database.read() as session:
        try:
            sel = _selection(session, scope, given, chosen, now)
            if sel.filters.department_id is None:
                # Opened from the menu, before a department was chosen: the picker, no error.
                return _form(request, "supervision/staff.html", session, scope, given, chosen, None,
                             {"rows": None, "choose_department": True})
        except InvalidInput as exc:
            return _form(request, "supervision/staff.html", session, scope, given, chosen, exc, {"rows": None})
        rows = metrics.staff(session, sel.filters, sel.filters.department_id, now=now)
        names = people_repository.people_by_ids(session, [r.person_id for r in rows])
        catalog = snapshot.load(session)
        department_row = catalog.departments[sel.filters.department_id]
        context = {
            **_common(request, session, scope, sel),
            "department_name": localized(department_row.name, fmt.locale),
            "rows": views.staff_lines(fmt, sel, rows, names),
            "staff_columns": views.STAFF_COLUMNS,
        }
    return render(request, "supervision/staff.html", context)


@router.get("/supervision/programme")
def programme(
    request: Request,
    person: PagePerson,
    database: DatabaseDep,
    department: Code = None,
    period: Annotated[str | None, Query(max_length=10)] = None,
    from_: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    to: DateText = None,
) -> Response:
    """The programme's figures of the period by kind and by speaker, and the speakers' ratings
    over the months (a lead: the activities their department organised)."""
    scope = _scope(person)
    now = utcnow()
    given = {"department": department, "category": None, "service": None, "building": None, "enterprise": None,
             "from": from_, "to": to}
    chosen = periods.choose(period, from_, to, now)
    fmt = Formats(locale_for(request))
    with database.read() as session:
        try:
            sel = _selection(session, scope, given, chosen, now)
        except InvalidInput as exc:
            return _form(request, "supervision/programme.html", session, scope, given, chosen, exc, {"kinds": None})
        context = {
            **_common(request, session, scope, sel),
            **programme_section.page(fmt, session, sel.filters.start, sel.filters.end, sel.filters.department_id, now),
        }
    return render(request, "supervision/programme.html", context)


@router.get("/supervision/redblack")
def red_black(
    request: Request,
    person: PagePerson,
    database: DatabaseDep,
    month: Annotated[str | None, Query(max_length=7)] = None,
) -> Response:
    """The month's red and black list, with the figures that put each department there."""
    scope = _scope(person)
    now = utcnow()
    fmt = Formats(locale_for(request))
    first = metric_filters.parse_month(month, now)
    with database.read() as session:
        result = metrics.red_black(session, first, now=now)
        catalog = snapshot.load(session)
        before, after = views.month_links(first, now)
        context = {
            "month": first,
            "month_text": first.strftime("%Y-%m"),
            "red": views.ranked_lines(fmt, result.red, catalog, scope, first),
            "black": views.ranked_lines(fmt, result.black, catalog, scope, first),
            "columns": views.RED_BLACK_COLUMNS,
            "before": before, "after": after,
            "scope_all": scope.kind == metrics.ScopeKind.all,
        }
    return render(request, "supervision/redblack.html", context)


def _department_export(request: Request, person: Person, database, fmt: str, given: Given, period_key: str | None):
    """The department table as the dashboard shows it (same filters, same scope), as a file."""
    scope = _scope(person)
    now = utcnow()
    chosen = periods.choose(period_key, given["from"], given["to"], now)
    gettext = gettext_for(locale_for(request))
    with database.read() as session:
        sel = _selection(session, scope, given, chosen, now)
        catalog = snapshot.load(session)
        rows = views.visible_rows(metrics.departments(session, sel.filters, now=now), scope, sel.filters)
        body = []
        for row in rows:
            department = catalog.departments.get(row.department_id)
            cells = [department.code if department else str(row.department_id),
                     localized(department.name, locale_for(request)) if department else ""]
            cells += [views.export_value(kind, views.department_value(row, key)) for key, _label, kind in views.DEPARTMENT_COLUMNS]
            body.append(cells)
    header = [gettext("Code"), gettext("Department")] + [
        gettext(label) + (" (%)" if kind == "rate" else "") for _key, label, kind in views.DEPARTMENT_COLUMNS
    ]
    stem = f"departments-{sel.filters.start.isoformat()}-{sel.filters.end.isoformat()}"
    return export_response(fmt, stem, header, body, sheet_title=gettext("Departments"))


def _export_route(fmt: str):
    def export(
        request: Request,
        person: PagePerson,
        database: DatabaseDep,
        period: Annotated[str | None, Query(max_length=10)] = None,
        from_: Annotated[str | None, Query(alias="from", max_length=10)] = None,
        to: DateText = None,
        department: Code = None,
        category: Code = None,
        service: Code = None,
        building: Code = None,
        enterprise: Annotated[str | None, Query(max_length=12)] = None,
    ) -> Response:
        given = {"department": department, "category": category, "service": service, "building": building,
                 "enterprise": enterprise, "from": from_, "to": to}
        return _department_export(request, person, database, fmt, given, period)

    export.__name__ = f"departments_{fmt}"
    return export


for _format in FORMATS:
    router.add_api_route(f"/supervision/departments.{_format}", _export_route(_format), methods=["GET"],
                         summary=f"The department table as {_format.upper()}")
