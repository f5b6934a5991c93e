"""overdue list indexes

The supervision overdue lists (server/requests/supervision.py) page by due time within each
open status, and the sweep stamps the overdue ones: (status, claim_due_at, department_id, id) and
(status, complete_due_at, department_id, id) make each one ordered index range, and
answer a department's filter (a lead's list) from the index.

Revision ID: 7b1e0c4d2a91
Revises: 3f9b2d71c0a4
Create Date: 2026-12-02 14:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '7b1e0c4d2a91'
down_revision: str | None = '3f9b2d71c0a4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.create_index('ix_service_request_status_claim_due_id', ['status', 'claim_due_at', 'department_id', 'id'], unique=False)
        batch_op.create_index('ix_service_request_status_complete_due_id', ['status', 'complete_due_at', 'department_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.drop_index('ix_service_request_status_complete_due_id')
        batch_op.drop_index('ix_service_request_status_claim_due_id')
