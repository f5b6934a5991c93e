"""requester and submission time

``ix_service_request_requester_submitted`` (requester_id, submitted_at): the order form asks at
every submission whether the same person filed the same request in the last ten minutes
(server/requests/submission.py, ``_recent_duplicate``). Along ``(requester_id, id)`` that read
every request the person ever filed when there was no duplicate, the usual answer: in
``bench/run.py`` (one client, members with ~400 requests each) it was 47% of the form's CPU.

Revision ID: b1100c3d4e5f
Revises: b1000a2b3c4d
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b1100c3d4e5f"
down_revision: str | None = "b1000a2b3c4d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_service_request_requester_submitted", "service_request", ["requester_id", "submitted_at"])


def downgrade() -> None:
    op.drop_index("ix_service_request_requester_submitted", table_name="service_request")
