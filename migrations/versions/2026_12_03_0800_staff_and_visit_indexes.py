"""staff figures and visit plan indexes

- (department_id, submitted_at, assignee_id, and every column the figures' counters read):
  the staff table (metrics.staff) sums one department's requests of a period per assignee in
  one grouped query, read from this index alone. A department's 90 days at 1,000,000 requests
  are ~48k rows on nearly every table page of those days, so a narrower index saved no reads.
  With the live facts (due times, first claim and completion) one department's live counts
  (overdue now, never claimed) read it alone too.
- (department_id, status, id, submitted_at) gains assignee_id at its end: each person's load
  (open requests they hold) is read from the index alone.
- (status, submitted_at, department_id) gains assignee_id and the live facts: the overdue-now
  count of all departments read a table page per open request of the period (9k pages at 1M).
- (service_id) becomes (service_id, enterprise_id, first_claimed_at, id, status): the visit
  plan's newest accepted visit request per enterprise is the first entry of one backward range
  per enterprise (it ranked every visit request of the year, a table page each); lookups by
  service read its first column as before.
Indexes only: nothing is rebuilt.

Revision ID: c8a0d1e2f300
Revises: 9b2d6e4f1a37
Create Date: 2026-12-03 08:00:00

"""
from collections.abc import Sequence

from alembic import op

revision: str = "c8a0d1e2f300"
down_revision: str | None = "9b2d6e4f1a37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = ["claim_due_at", "complete_due_at", "first_claimed_at", "first_claim_due_at", "first_completed_at",
         "first_complete_due_at"]
_STAFF = ["department_id", "submitted_at", "assignee_id", "status", "dispatched_at", *_LIVE, "rating",
          "closed_unrated", "return_count", "rework_count"]


def upgrade() -> None:
    op.create_index("ix_service_request_department_submitted", "service_request", _STAFF, unique=False)
    op.create_index("ix_service_request_service_enterprise", "service_request",
                    ["service_id", "enterprise_id", "first_claimed_at", "id", "status"], unique=False)
    op.drop_index("ix_service_request_service_id", table_name="service_request")
    op.drop_index("ix_service_request_department_status_id", table_name="service_request")
    op.create_index("ix_service_request_department_status_id", "service_request",
                    ["department_id", "status", "id", "submitted_at", "assignee_id"], unique=False)
    op.drop_index("ix_service_request_status_submitted", table_name="service_request")
    op.create_index("ix_service_request_status_submitted", "service_request",
                    ["status", "submitted_at", "department_id", "assignee_id", *_LIVE], unique=False)


def downgrade() -> None:
    op.drop_index("ix_service_request_status_submitted", table_name="service_request")
    op.create_index("ix_service_request_status_submitted", "service_request",
                    ["status", "submitted_at", "department_id"], unique=False)
    op.drop_index("ix_service_request_department_status_id", table_name="service_request")
    op.create_index("ix_service_request_department_status_id", "service_request",
                    ["department_id", "status", "id", "submitted_at"], unique=False)
    op.create_index("ix_service_request_service_id", "service_request", ["service_id"], unique=False)
    op.drop_index("ix_service_request_service_enterprise", table_name="service_request")
    op.drop_index("ix_service_request_department_submitted", table_name="service_request")
