"""A lead's own department at a glance, for the department desk: the same figures as
/supervision over the last 30 days, each linked to its requests, and a link to the rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.catalog import snapshot
from server.db import Database
from server.i18n_text import N_
from server.metrics import filters as metric_filters
from server.metrics import service as metrics
from server.metrics.pages import period as periods
from server.metrics.pages import views
from server.metrics.pages.formats import Formats
from server.models import Person

STRIP_COUNTS = ("submitted", "overdue")
STRIP_RATES = ("response", "resolution", "satisfaction", "on_time")
TITLE = N_("My department, last 30 days")
OVERSEER_TITLE = N_("The centre, last 30 days")


@dataclass
class Strip:
    title: str
    figures: list[views.Figure]
    more_href: str
    # The department's overdue list (/supervision/overdue scopes a lead to their department).
    overdue_href: str = "/supervision/overdue"


def for_person(database: Database, person: Person, locale: str, now: datetime) -> Strip | None:
    """The strip for a department lead (None for anyone else: the desk shows no figures)."""
    scope = metrics.scope_for(person)
    if scope.kind != metrics.ScopeKind.department:
        return None
    return _strip(database, scope, locale, now, TITLE)


def for_overseer(database: Database, person: Person, locale: str, now: datetime) -> Strip | None:
    """The same figures over everything a supervisor or an administrator sees (their home
    page's headline); None for anyone whose scope is not the whole centre."""
    scope = metrics.scope_for(person)
    if scope.kind != metrics.ScopeKind.all:
        return None
    return _strip(database, scope, locale, now, OVERSEER_TITLE)


def _strip(database: Database, scope: metrics.Scope, locale: str, now: datetime, title: str) -> Strip:
    fmt = Formats(locale)
    period = periods.choose("30d", None, None, now)
    with database.read() as session:
        catalog = snapshot.load(session)
        filters = metric_filters.within_scope(
            scope, metric_filters.parse_filters(session, now, start=period.start, end=period.end)
        )
        sel = views.Selection.of(period, filters, catalog)
        # No durations: the strip shows none, and their histograms were half its cost.
        current = metrics.figures(session, filters, now=now, durations=False)
    head = views.headline(fmt, sel, current, current, only=STRIP_COUNTS + STRIP_RATES)
    return Strip(fmt._(title), [head.composite, *head.counts, *head.rates], sel.url("/supervision"))
