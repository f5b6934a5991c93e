"""pioneer index records and party membership

Revision ID: 5c9e2a7d41f3
Revises: eca6fce4fdc9
Create Date: 2026-12-02 19:35:00

Party membership on a person (``is_party_member``, ``party_branch``) and the records the
pioneer index 先锋指数 counts (server/models/pioneer.py): volunteer hours, contribution points,
and attendance recorded by hand with its attendees.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.models.base

revision: str = '5c9e2a7d41f3'
down_revision: str | None = 'eca6fce4fdc9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('attendance_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False, comment='an ActivityKind'),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('speaker_id', sa.Integer(), nullable=True),
    sa.Column('speaker_rating_tenths', sa.Integer(), nullable=True, comment='average speaker rating × 10 (1.0–5.0)'),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('speaker_rating_tenths IS NULL OR speaker_rating_tenths BETWEEN 10 AND 50', name=op.f('ck_attendance_record_speaker_rating_range')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], name=op.f('fk_attendance_record_recorded_by_id_person')),
    sa.ForeignKeyConstraint(['speaker_id'], ['person.id'], name=op.f('fk_attendance_record_speaker_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_record'))
    )
    with op.batch_alter_table('attendance_record', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_record_day', ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_record_speaker_id'), ['speaker_id'], unique=False)

    op.create_table('contribution_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('points <> 0 AND points BETWEEN -100 AND 100', name=op.f('ck_contribution_points_points_range')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_contribution_points_person_id_person')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], name=op.f('fk_contribution_points_recorded_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_points'))
    )
    with op.batch_alter_table('contribution_points', schema=None) as batch_op:
        batch_op.create_index('ix_contribution_points_day_person', ['day', 'person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_points_person_id'), ['person_id'], unique=False)

    op.create_table('volunteer_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('tenths', sa.Integer(), nullable=False, comment='hours × 10, one day at most'),
    sa.Column('what', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('tenths > 0 AND tenths <= 240', name=op.f('ck_volunteer_hours_tenths_range')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_volunteer_hours_person_id_person')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], name=op.f('fk_volunteer_hours_recorded_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_hours'))
    )
    with op.batch_alter_table('volunteer_hours', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer_hours_day_person', ['day', 'person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_hours_person_id'), ['person_id'], unique=False)

    op.create_table('attendance_record_person',
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_attendance_record_person_person_id_person')),
    sa.ForeignKeyConstraint(['record_id'], ['attendance_record.id'], name=op.f('fk_attendance_record_person_record_id_attendance_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('record_id', 'person_id', name=op.f('pk_attendance_record_person'))
    )
    with op.batch_alter_table('attendance_record_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_record_person_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_party_member', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('party_branch', sa.String(length=100), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('party_branch')
        batch_op.drop_column('is_party_member')

    with op.batch_alter_table('attendance_record_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_record_person_person_id'))

    op.drop_table('attendance_record_person')
    with op.batch_alter_table('volunteer_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_hours_person_id'))
        batch_op.drop_index('ix_volunteer_hours_day_person')

    op.drop_table('volunteer_hours')
    with op.batch_alter_table('contribution_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_points_person_id'))
        batch_op.drop_index('ix_contribution_points_day_person')

    op.drop_table('contribution_points')
    with op.batch_alter_table('attendance_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_record_speaker_id'))
        batch_op.drop_index('ix_attendance_record_day')

    op.drop_table('attendance_record')
