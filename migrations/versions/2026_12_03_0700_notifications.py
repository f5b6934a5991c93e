"""notifications

In-app notifications, the outbox and its attempts, and people's choices of what reaches them
(server/notifications/, docs/NOTIFICATIONS.md).

Revision ID: 4e1f0a7c9b23
Revises: a3c9e7f1b2d4
Create Date: 2026-12-03 06:11:23.420444
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.models.base


revision: str = '4e1f0a7c9b23'
down_revision: str | None = 'a3c9e7f1b2d4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notification_preference',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('event_type', sa.String(length=60), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_notification_preference_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'channel', 'event_type', name=op.f('pk_notification_preference'))
    )
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('event_type', sa.String(length=60), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', server.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_notification_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['service_request.id'], name=op.f('fk_notification_request_id_service_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_person_id', ['person_id', 'id'], unique=False)
        batch_op.create_index('ix_notification_person_unread', ['person_id', 'read_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_request_id'), ['request_id'], unique=False)

    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('event_type', sa.String(length=60), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('webhook_id', sa.Integer(), nullable=True),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_answer', sa.Text(), nullable=False),
    sa.Column('created_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', server.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_outbox_message_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['webhook_id'], ['webhook.id'], name=op.f('fk_outbox_message_webhook_id_webhook'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('message_id', name=op.f('uq_outbox_message_message_id'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_message_due', ['next_attempt_at', 'id'], unique=False, sqlite_where=sa.text("status = 'queued'"), postgresql_where=sa.text("status = 'queued'"))
        batch_op.create_index(batch_op.f('ix_outbox_message_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_outbox_message_status_id', ['status', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_webhook_id'), ['webhook_id'], unique=False)

    op.create_table('outbox_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_message.id'], name=op.f('fk_outbox_attempt_message_id_outbox_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attempt'))
    )
    with op.batch_alter_table('outbox_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_attempt_message_id'), ['message_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbox_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_attempt_message_id'))

    op.drop_table('outbox_attempt')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_webhook_id'))
        batch_op.drop_index('ix_outbox_message_status_id')
        batch_op.drop_index(batch_op.f('ix_outbox_message_person_id'))
        batch_op.drop_index('ix_outbox_message_due', sqlite_where=sa.text("status = 'queued'"), postgresql_where=sa.text("status = 'queued'"))

    op.drop_table('outbox_message')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_request_id'))
        batch_op.drop_index('ix_notification_person_unread')
        batch_op.drop_index('ix_notification_person_id')

    op.drop_table('notification')
    op.drop_table('notification_preference')
