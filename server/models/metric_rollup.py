"""The supervision figures' rollup (server/metrics/rollup.py keeps it): per-request counts summed
by submission day and the keys the filters use, so a period's figures are a sum over a few
thousand rows instead of a scan of every request. Kept by each transition in its own
transaction, never a cache: see server/metrics/rollup.py and its property test.

0 stands for "none" in the department keys (a primary key column cannot be NULL). The building is
no key: a day has a few dozen (department, service) rows, eight times fewer than with it, and
a building filter reads its requests instead.

Every table's key ends in ``shard``: on PostgreSQL each transaction adds its difference to one
of a few rows per key (shards 1..SHARDS of server/metrics/rollup.py), so concurrent submissions
of one service on one day do not queue on one row; readers sum over the shards as they sum over
days, and the sweep folds the shards back into shard 0 (``rollup.fold``), so that readers sum
about one row per key. SQLite (one writer at a time) and the rebuild use shard 0.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base

# The counters of MetricRollup, in column order; server/metrics/contribution.py fills them.
ROLLUP_COUNTERS = (
    "submitted",
    "dispatched",
    "claimed",
    "claimed_on_time",
    "resolvable",
    "resolved",
    "completed",
    "completed_on_time",
    "closed",
    "cancelled",
    "rejected",
    "rated_satisfied",
    "rated_basically",
    "rated_unsatisfied",
    "closed_unrated",
    "returned",
    "reworked",
    "late",
)


class MetricRollup(Base):
    __tablename__ = "metric_rollup"
    __table_args__ = (Index("ix_metric_rollup_department_day", "department_id", "day"),)

    day: Mapped[date] = mapped_column(primary_key=True, comment="submission date, installation time zone")
    department_id: Mapped[int] = mapped_column(primary_key=True, comment="holding it now; 0 = none")
    service_id: Mapped[int] = mapped_column(primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=0, server_default="0",
                                       comment="which of the key's rows a transaction added to")

    submitted: Mapped[int] = mapped_column(default=0)
    dispatched: Mapped[int] = mapped_column(default=0, comment="ever dispatched")
    claimed: Mapped[int] = mapped_column(default=0, comment="ever claimed")
    claimed_on_time: Mapped[int] = mapped_column(default=0)
    resolvable: Mapped[int] = mapped_column(default=0, comment="neither cancelled nor rejected")
    resolved: Mapped[int] = mapped_column(default=0, comment="resolvable and ever completed")
    completed: Mapped[int] = mapped_column(default=0, comment="ever completed")
    completed_on_time: Mapped[int] = mapped_column(default=0)
    closed: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    rated_satisfied: Mapped[int] = mapped_column(default=0)
    rated_basically: Mapped[int] = mapped_column(default=0)
    rated_unsatisfied: Mapped[int] = mapped_column(default=0)
    closed_unrated: Mapped[int] = mapped_column(default=0)
    returned: Mapped[int] = mapped_column(default=0)
    reworked: Mapped[int] = mapped_column(default=0)
    late: Mapped[int] = mapped_column(default=0, comment="first claim or first completion after its due time")


class MetricDuration(Base):
    """How many requests of a day took each duration (in tenths of a working hour, as the
    requests keep them): exact percentiles without reading the requests."""

    __tablename__ = "metric_duration"
    # A few values of many days (the exact values inside the hours holding a percentile).
    __table_args__ = (Index("ix_metric_duration_scope_kind_tenths", "scope", "kind", "tenths", "day", "count"),)

    # Key order: a period of one scope is one range of the primary key.
    scope: Mapped[int] = mapped_column(primary_key=True, comment="0 = the whole centre, else the department holding it")
    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True, comment="dispatch | claim | complete")
    tenths: Mapped[int] = mapped_column(primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=0, server_default="0",
                                       comment="which of the key's rows a transaction added to")
    count: Mapped[int] = mapped_column(default=0)


# The coarser levels of the duration histogram (MetricDurationLevel.level): per month with the
# exact tenths, per day in whole hours, per month in whole hours.
LEVEL_MONTH = 1
LEVEL_DAY_HOURS = 2
LEVEL_MONTH_HOURS = 3
HOUR_TENTHS = 10  # an "hours" value v holds the tenths from 10 v to 10 v + 9


class MetricDurationLevel(Base):
    """MetricDuration summed coarser, so that a period's percentiles read a few thousand rows:
    the hour holding each percentile is found from the whole-hour levels (per month, plus the
    days at the edges of the period), then only that hour's exact tenths are read. Kept with
    MetricDuration, in the same transaction (server/metrics/rollup.py)."""

    __tablename__ = "metric_duration_level"

    scope: Mapped[int] = mapped_column(primary_key=True, comment="as metric_duration.scope")
    level: Mapped[int] = mapped_column(primary_key=True, comment="1 month × tenths, 2 day × hours, 3 month × hours")
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    start: Mapped[date] = mapped_column(primary_key=True, comment="the day, or the first day of the month")
    value: Mapped[int] = mapped_column(primary_key=True, comment="tenths (level 1) or whole hours (2, 3)")
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=0, server_default="0",
                                       comment="which of the key's rows a transaction added to")
    count: Mapped[int] = mapped_column(default=0)


class MetricEnterpriseDay(Base):
    """Requests submitted per day, enterprise and department holding them: demand by enterprise."""

    __tablename__ = "metric_enterprise_day"

    day: Mapped[date] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(primary_key=True, comment="0 = none")
    enterprise_id: Mapped[int] = mapped_column(primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=0, server_default="0",
                                       comment="which of the key's rows a transaction added to")
    submitted: Mapped[int] = mapped_column(default=0)
