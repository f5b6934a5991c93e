"""search and live indexes

- (requester_id, id) and (enterprise_id, id): the finder's search by a requester's name or
  phone, or an enterprise's name, reads one person's or enterprise's requests newest first and
  stops at the page's end; with (…, status, id) it read and sorted all of them.
- the never-claimed set per department (partial, covering): the metrics' live counts for one
  department read one range of it; the planner had read every request of the department.
- (department_id, status, id) gains submitted_at at its end: the open-now counts of one
  department (backlog by age, load) read the index alone instead of a table row per open
  request; lists by department and status still read it in id order.

Indexes only: nothing is rebuilt.

Revision ID: b7d40c2e9a13
Revises: 0715b7a1c2d3
Create Date: 2026-12-03 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b7d40c2e9a13'
down_revision: str | None = '0715b7a1c2d3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNCLAIMED = "first_claimed_at IS NULL AND claim_due_at IS NOT NULL"


def upgrade() -> None:
    op.drop_index('ix_service_request_department_status_id', table_name='service_request')
    op.create_index('ix_service_request_department_status_id', 'service_request',
                    ['department_id', 'status', 'id', 'submitted_at'], unique=False)
    op.create_index('ix_service_request_requester_id', 'service_request', ['requester_id', 'id'], unique=False)
    op.create_index('ix_service_request_enterprise_id', 'service_request', ['enterprise_id', 'id'], unique=False)
    op.create_index(
        'ix_service_request_unclaimed_department', 'service_request',
        ['department_id', 'submitted_at', 'claim_due_at', 'status', 'complete_due_at', 'first_claimed_at'],
        unique=False, sqlite_where=sa.text(_UNCLAIMED), postgresql_where=sa.text(_UNCLAIMED),
    )


def downgrade() -> None:
    op.drop_index('ix_service_request_unclaimed_department', table_name='service_request',
                  sqlite_where=sa.text(_UNCLAIMED), postgresql_where=sa.text(_UNCLAIMED))
    op.drop_index('ix_service_request_enterprise_id', table_name='service_request')
    op.drop_index('ix_service_request_requester_id', table_name='service_request')
    op.drop_index('ix_service_request_department_status_id', table_name='service_request')
    op.create_index('ix_service_request_department_status_id', 'service_request',
                    ['department_id', 'status', 'id'], unique=False)
