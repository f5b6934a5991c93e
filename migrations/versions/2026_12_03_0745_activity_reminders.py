"""activity reminders: when the day-before reminder went out (once per activity)

Revision ID: 9b2d6e4f1a37
Revises: b7d40c2e9a13
Create Date: 2026-12-03 07:45:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.models.base  # noqa: F401  (the models' column types)

revision: str = "9b2d6e4f1a37"
down_revision: str | None = "b7d40c2e9a13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", server.models.base.UTCDateTime(timezone=True), nullable=True,
                                      comment="when the day-before reminder went to the signed-up"))


def downgrade() -> None:
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_column("reminded_at")
