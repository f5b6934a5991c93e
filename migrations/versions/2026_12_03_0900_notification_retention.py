"""notification retention: an index on when a notification was read, for the sweep that
removes read notifications past LIANXIN_NOTIFICATION_RETENTION_DAYS (unread ones stay out of it)

Revision ID: a9000d1e2f30
Revises: d8150a1b2c3d
Create Date: 2026-12-03 09:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a9000d1e2f30"
down_revision: str | None = "d8150a1b2c3d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_notification_read_at", "notification", ["read_at"], unique=False,
                    sqlite_where=sa.text("read_at IS NOT NULL"), postgresql_where=sa.text("read_at IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_notification_read_at", table_name="notification")
