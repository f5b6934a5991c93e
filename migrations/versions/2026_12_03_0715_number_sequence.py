"""tracking numbers from a sequence on PostgreSQL

Revision ID: 0715b7a1c2d3
Revises: 4e1f0a7c9b23
Create Date: 2026-12-03 07:15:00

Submissions on PostgreSQL take their tracking number as ``nextval(request_number_seq)``
minus the day's ``daily_counter.sequence_base`` instead of an upsert that held the day's
row locked to the end of each submission (server/requests/numbering.py). Days numbered
before keep their ``last``; their base is set from it on first use. SQLite keeps the upsert
(the column stays empty there).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0715b7a1c2d3"
down_revision: str | None = "4e1f0a7c9b23"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
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
