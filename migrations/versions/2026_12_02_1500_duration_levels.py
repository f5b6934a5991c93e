"""duration levels

Revision ID: 7d3f1b2a9c40
Revises: 7b1e0c4d2a91
Create Date: 2026-12-02 14:15:00

The duration histogram's coarser levels (server/models/metric_rollup.py MetricDurationLevel:
month × tenths, day × hours, month × hours) and a (scope, kind, tenths, day) index on the daily
histogram, so that a period's percentiles read a few thousand rows. Filled from metric_duration.
Also an index of the open requests by (status, submission time, department) for the metrics'
overdue-now and backlog counts, and the never-claimed partial index made covering.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d3f1b2a9c40"
down_revision: str | None = "7b1e0c4d2a91"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "metric_duration_level",
        sa.Column("scope", sa.Integer(), nullable=False, comment="as metric_duration.scope"),
        sa.Column("level", sa.Integer(), nullable=False, comment="1 month × tenths, 2 day × hours, 3 month × hours"),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("start", sa.Date(), nullable=False, comment="the day, or the first day of the month"),
        sa.Column("value", sa.Integer(), nullable=False, comment="tenths (level 1) or whole hours (2, 3)"),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "level", "kind", "start", "value", name=op.f("pk_metric_duration_level")),
    )
    with op.batch_alter_table("metric_duration", schema=None) as batch_op:
        batch_op.create_index("ix_metric_duration_scope_kind_tenths", ["scope", "kind", "tenths", "day", "count"], unique=False)
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.create_index("ix_service_request_status_submitted", ["status", "submitted_at", "department_id"], unique=False)
    _unclaimed_index(["submitted_at", "department_id", "claim_due_at", "status", "complete_due_at", "first_claimed_at"])
    month = "date(day, 'start of month')" if op.get_bind().dialect.name == "sqlite" else "CAST(date_trunc('month', day) AS date)"
    for level, start, value in ((1, month, "tenths"), (2, "day", "tenths / 10"), (3, month, "tenths / 10")):
        op.execute(
            f"INSERT INTO metric_duration_level (scope, level, kind, start, value, count) "
            f"SELECT scope, {level}, kind, {start}, {value}, SUM(count) FROM metric_duration "
            f"GROUP BY scope, kind, {start}, {value} HAVING SUM(count) <> 0"
        )


_UNCLAIMED = "first_claimed_at IS NULL AND claim_due_at IS NOT NULL"


def _unclaimed_index(columns: list[str]) -> None:
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.drop_index("ix_service_request_unclaimed_due", sqlite_where=sa.text(_UNCLAIMED), postgresql_where=sa.text(_UNCLAIMED))
        batch_op.create_index("ix_service_request_unclaimed_due", columns, unique=False,
                              sqlite_where=sa.text(_UNCLAIMED), postgresql_where=sa.text(_UNCLAIMED))


def downgrade() -> None:
    _unclaimed_index(["submitted_at"])
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.drop_index("ix_service_request_status_submitted")
    with op.batch_alter_table("metric_duration", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_duration_scope_kind_tenths")
    op.drop_table("metric_duration_level")
