"""drop the withdrawn requester and submission time index

``ix_service_request_requester_submitted`` exists only on a database that ran revision
b1100c3d4e5f while it still created it; everywhere else there is nothing to drop. ``IF EXISTS``
is understood by SQLite and PostgreSQL alike.

Revision ID: b1200e4f5a6b
Revises: b1100c3d4e5f
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b1200e4f5a6b"
down_revision: str | None = "b1100c3d4e5f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_service_request_requester_submitted")


def downgrade() -> None:
    pass  # the index is not wanted at the revision before either (its creation was withdrawn)
