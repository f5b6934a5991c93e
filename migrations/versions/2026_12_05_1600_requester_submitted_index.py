"""requester and submission time (withdrawn: now does nothing)

This revision once created ``ix_service_request_requester_submitted`` (requester_id,
submitted_at) for the order form's "the same request moments ago?" check. The check now reads
the person's last 20 ids from ``ix_service_request_requester_id`` instead
(server/requests/submission.py), and the index was withdrawn: one index fewer for every insert.

The revision stays, empty, because main carried it for a few hours: a database migrated then
is at this revision, and Alembic refuses to upgrade from a revision it cannot find. The next
revision (…_drop_requester_submitted_index) drops the index where it was made.

Revision ID: b1100c3d4e5f
Revises: b1000a2b3c4d
"""

from collections.abc import Sequence

revision: str = "b1100c3d4e5f"
down_revision: str | None = "b1000a2b3c4d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
