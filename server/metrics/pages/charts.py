"""The dashboard's charts from an :class:`server.metrics.service.Overview`: weekly volume, each
rate per week, the backlog by state and age, the top services and enterprises. Numbers come
straight from the overview; ``server.web.charts`` turns them into geometry, and every bar or
point links to the requests behind it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_skeleton

from server.catalog.snapshot import Catalog
from server.enums import RequestStatus
from server.i18n_text import N_, localized
from server.metrics import service as metrics
from server.metrics.pages.formats import Formats
from server.metrics.pages.views import Selection
from server.metrics.rollup import timezone
from server.web import charts
from server.web.i18n import babel_locale
from server.web.labels import STATUS_LABELS

AGE_LABELS = {
    "under_1_day": N_("Under 1 day"),
    "1_to_3_days": N_("1 to 3 days"),
    "3_to_7_days": N_("3 to 7 days"),
    "over_7_days": N_("Over 7 days"),
}
WEEKLY_RATES = (
    ("response", N_("Response rate")),
    ("resolution", N_("Resolution rate")),
    ("satisfaction", N_("Satisfaction rate")),
    ("on_time", N_("On-time completion rate")),
)


def _day(fmt: Formats, day: date) -> str:
    return format_skeleton("Md", day, locale=babel_locale(fmt.locale))


def _week_span(sel: Selection, monday: date) -> tuple[date, date]:
    return max(monday, sel.filters.start), min(monday + timedelta(days=6), sel.filters.end)


def _week_href(sel: Selection, monday: date) -> str:
    first, last = _week_span(sel, monday)
    return sel.finder(dated=False, from_=first, to=last)


def weekly_volume(fmt: Formats, sel: Selection, weeks: list[metrics.Week]) -> charts.Chart:
    items = [charts.Item(_day(fmt, w.start), w.submitted, fmt.count(w.submitted), _week_href(sel, w.start)) for w in weeks]
    return charts.column_chart(
        "chart-weekly-volume", fmt._("Requests submitted per week"), [charts.Series(fmt._("Submitted"), items)],
        x_label=fmt._("Week starting"), y_label=fmt._("Number of requests"), fmt=fmt.count,
    )


def weekly_rates(fmt: Formats, sel: Selection, weeks: list[metrics.Week]) -> charts.Chart:
    series = [
        charts.Series(fmt._(label), [
            charts.Item(_day(fmt, w.start), getattr(w.rates, key), fmt.rate(getattr(w.rates, key)), _week_href(sel, w.start))
            for w in weeks
        ])
        for key, label in WEEKLY_RATES
    ]
    return charts.line_chart(
        "chart-weekly-rates", fmt._("Rates per week"), series,
        x_label=fmt._("Week starting"), y_label=fmt._("Percentage"), fmt=fmt.axis_rate,
    )


def _age_dates(bucket: str, now: datetime) -> tuple[date | None, date]:
    """The submission dates (whole days, so a little wider) of a backlog age bucket."""
    bounds = dict(metrics.AGE_BUCKETS)
    names = [name for name, _ in metrics.AGE_BUCKETS]
    at = names.index(bucket)
    newest = 0 if at == 0 else bounds[names[at - 1]]
    oldest = bounds[bucket]

    def local(days: int) -> date:
        return (now - timedelta(days=days)).astimezone(timezone()).date()

    return (local(oldest) if oldest is not None else None), local(newest)


def backlog(fmt: Formats, sel: Selection, cells: list[metrics.BacklogCell], now: datetime) -> charts.Chart:
    states: list[RequestStatus] = list(dict.fromkeys(c.state for c in cells))
    count = {(c.state, c.age_bucket): c.count for c in cells}
    series = []
    for bucket, _limit in metrics.AGE_BUCKETS:
        first, last = _age_dates(bucket, now)
        series.append(charts.Series(fmt._(AGE_LABELS[bucket]), [
            charts.Item(fmt._(STATUS_LABELS[state]), count.get((state, bucket), 0), fmt.count(count.get((state, bucket), 0)),
                        sel.finder(dated=False, status=[state], from_=first, to=last))
            for state in states
        ]))
    return charts.column_chart(
        "chart-backlog", fmt._("Open requests now, by state and age"), series, stacked=True,
        x_label=fmt._("State"), y_label=fmt._("Number of requests"), fmt=fmt.count,
    )


def top_services(fmt: Formats, sel: Selection, top: list[tuple[int, int]], catalog: Catalog) -> charts.Chart:
    items = []
    for service_id, submitted in top:
        service = catalog.services.get(service_id)
        label = localized(service.name, fmt.locale) if service else str(service_id)
        href = sel.finder(service=service.code) if service else None
        items.append(charts.Item(label, submitted, fmt.count(submitted), href))
    return charts.bar_list_chart("chart-top-services", fmt._("Most requested services"), items,
                                 x_label=fmt._("Service"), y_label=fmt._("Number of requests"), fmt=fmt.count)


def top_enterprises(fmt: Formats, sel: Selection, top: list[tuple[int, int]], catalog: Catalog) -> charts.Chart:
    items = []
    for enterprise_id, submitted in top:
        enterprise = catalog.enterprises.get(enterprise_id)
        label = enterprise.name if enterprise else str(enterprise_id)
        items.append(charts.Item(label, submitted, fmt.count(submitted), sel.finder(enterprise=str(enterprise_id))))
    return charts.bar_list_chart("chart-top-enterprises", fmt._("Enterprises with the most requests"), items,
                                 x_label=fmt._("Enterprise"), y_label=fmt._("Number of requests"), fmt=fmt.count)


def dashboard_charts(fmt: Formats, sel: Selection, over: metrics.Overview, catalog: Catalog, now: datetime) -> dict:
    return {
        "weekly_volume": weekly_volume(fmt, sel, over.weekly),
        "weekly_rates": weekly_rates(fmt, sel, over.weekly),
        "backlog": backlog(fmt, sel, over.backlog, now),
        "top_services": top_services(fmt, sel, over.top_services, catalog),
        "top_enterprises": top_enterprises(fmt, sel, over.top_enterprises, catalog),
    }
