"""Snapshots of the rollup tables and the figures computed straight from the definitions."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select

from server.db import Database
from server.metrics import contribution as c
from server.metrics import definitions as d
from server.metrics import rollup
from server.models import (
    MetricDuration,
    MetricDurationLevel,
    MetricEnterpriseDay,
    MetricRollup,
    ServiceRequest,
)


def rollup_tables(database: Database) -> tuple[dict, dict, dict, dict]:
    """The four rollup tables, summed over their shards, rows that count anything only (a row
    taken back to zeros is the same as no row)."""
    def add(into: dict, key, values) -> None:
        into[key] = tuple(a + b for a, b in zip(into.get(key, (0,) * len(values)), values, strict=True))

    rows, durations, enterprises, levels = {}, {}, {}, {}
    with database.read() as session:
        counters = [MetricRollup.__table__.c[name] for name in c.ROLLUP_COUNTERS]
        for r in session.execute(select(MetricRollup.__table__.c.day, MetricRollup.department_id,
                                        MetricRollup.service_id, *counters)):
            add(rows, (str(r.day), r.department_id, r.service_id), tuple(getattr(r, n) for n in c.ROLLUP_COUNTERS))
        for r in session.execute(select(MetricDuration.__table__)):
            add(durations, (r.scope, r.kind, str(r.day), r.tenths), (r.count,))
        for r in session.execute(select(MetricEnterpriseDay.__table__)):
            add(enterprises, (str(r.day), r.department_id, r.enterprise_id), (r.submitted,))
        for r in session.execute(select(MetricDurationLevel.__table__)):
            add(levels, (r.scope, r.level, r.kind, str(r.start), r.value), (r.count,))
    return (
        {k: v for k, v in rows.items() if any(v)},
        {k: v[0] for k, v in durations.items() if v[0]},
        {k: v[0] for k, v in enterprises.items() if v[0]},
        {k: v[0] for k, v in levels.items() if v[0]},
    )


def all_requests(database: Database) -> list[ServiceRequest]:
    with database.read() as session:
        rows = list(session.scalars(select(ServiceRequest)))
        session.expunge_all()
        return rows


def expected(requests: list[ServiceRequest], now: datetime) -> dict:
    """The figures of ``requests`` by the definitions themselves, over their facts."""
    facts = [c.facts_of(r) for r in requests]
    sat = d.satisfaction(facts)
    response = d.response_rate(facts, now)
    resolution = d.resolution_rate(facts)

    def hours(values):
        return lambda f: None if d.percentile(values, f) is None else round(d.percentile(values, f) / 10, 2)

    durations = {}
    for kind in c.DURATION_KINDS:
        values = [getattr(r, f"tenths_to_{kind}") for r in requests if getattr(r, f"tenths_to_{kind}") is not None]
        durations[f"{kind}_p50"] = hours(values)(0.5)
        durations[f"{kind}_p90"] = hours(values)(0.9)
    return {
        "submitted": len(requests),
        "rated": Counter(str(f.rating) for f in facts if f.rating is not None),
        "rates": {
            "response": response,
            "resolution": resolution,
            "satisfaction": sat.rate,
            "satisfaction_share": sat.share,
            "unrated_share": sat.unrated_share,
            "on_time": d.on_time_rate(facts),
        },
        "composite": d.composite(response, resolution, sat.rate),
        "durations": durations,
    }


def local_day(request: ServiceRequest):
    return c.local_day(request.submitted_at, rollup.timezone())
