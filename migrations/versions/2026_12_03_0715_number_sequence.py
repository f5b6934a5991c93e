"""tracking numbers from a sequence on PostgreSQL; rollup rows in shards

Revision ID: 0715b7a1c2d3
Revises: 4e1f0a7c9b23
Create Date: 2026-12-03 07:15:00

Submissions on PostgreSQL take their tracking number as ``nextval(request_number_seq)``
minus the day's ``daily_counter.sequence_base`` instead of an upsert that held the day's
row locked to the end of each submission (server/requests/numbering.py). Days numbered
before keep their ``last``; their base is set from it on first use. SQLite keeps the upsert
(the column stays empty there).

The four rollup tables get a ``shard`` at the end of their primary key: on PostgreSQL each
transaction adds to one of a few rows per key (server/metrics/rollup.py), so submissions of one
service on one day no longer queue on one row lock. Existing rows are shard 0.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0715b7a1c2d3"
down_revision: str | None = "4e1f0a7c9b23"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_ROLLUP_KEYS = {
    "metric_rollup": ["day", "department_id", "service_id"],
    "metric_duration": ["scope", "day", "kind", "tenths"],
    "metric_duration_level": ["scope", "level", "kind", "start", "value"],
    "metric_enterprise_day": ["day", "department_id", "enterprise_id"],
}


def upgrade() -> None:
    for table, key in _ROLLUP_KEYS.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("shard", sa.SmallInteger(), server_default="0", nullable=False,
                                       comment="which of the key's rows a transaction added to"))
            batch.drop_constraint(f"pk_{table}", type_="primary")
            batch.create_primary_key(f"pk_{table}", [*key, "shard"])
    with op.batch_alter_table("daily_counter") as batch:
        batch.add_column(sa.Column("sequence_base", sa.BigInteger(), nullable=True,
                                   comment="PostgreSQL: request_number_seq before the day's first number"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE IF NOT EXISTS request_number_seq")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Days numbered from the sequence go back to a plain last number: their highest.
        op.execute(
            "UPDATE daily_counter SET last = greatest(last, (SELECT max(CAST(split_part(number, '-', 3) AS integer))"
            " FROM service_request WHERE split_part(number, '-', 2) = daily_counter.day))"
            " WHERE sequence_base IS NOT NULL"
        )
        op.execute("DROP SEQUENCE IF EXISTS request_number_seq")
    with op.batch_alter_table("daily_counter") as batch:
        batch.drop_column("sequence_base")
    for table, key in _ROLLUP_KEYS.items():
        # Fold the shards back into one row per key before the key loses its shard.
        counters = [c["name"] for c in sa.inspect(op.get_bind()).get_columns(table) if c["name"] not in {*key, "shard"}]
        keys, sums = ", ".join(key), ", ".join(f"sum({c}) AS {c}" for c in counters)
        op.execute(f"CREATE TEMPORARY TABLE folded AS SELECT {keys}, 0 AS shard, {sums} FROM {table} GROUP BY {keys}")
        op.execute(f"DELETE FROM {table}")
        op.execute(f"INSERT INTO {table} ({keys}, shard, {', '.join(counters)}) SELECT * FROM folded")
        op.execute("DROP TABLE folded")
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"pk_{table}", type_="primary")
            batch.create_primary_key(f"pk_{table}", key)
            batch.drop_column("shard")
