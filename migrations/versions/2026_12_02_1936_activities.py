"""activities

Revision ID: a3c9e7f1b2d4
Revises: 5c9e2a7d41f3
Create Date: 2026-12-02 19:15:00

The centre's programme and clubs ([9/12]): activity series (a repeat rule), activities,
sign-ups with their waiting-list positions, attendance, ratings, calendar-feed tokens; clubs
and their members.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.models.base

revision: str = "a3c9e7f1b2d4"
down_revision: str | None = "5c9e2a7d41f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('activity_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rrule', sa.String(length=200), nullable=False),
    sa.Column('first_starts_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_series'))
    )
    op.create_table('activity_feed',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_activity_feed_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_activity_feed')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_activity_feed_token_hash'))
    )
    op.create_table('club',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('join_policy', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['person.id'], name=op.f('fk_club_lead_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_club')),
    sa.UniqueConstraint('name', name=op.f('uq_club_name'))
    )
    with op.batch_alter_table('club', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_club_lead_id'), ['lead_id'], unique=False)

    op.create_table('activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('organiser_department_id', sa.Integer(), nullable=True),
    sa.Column('organiser_club_id', sa.Integer(), nullable=True),
    sa.Column('speaker_id', sa.Integer(), nullable=True),
    sa.Column('speaker_name', sa.String(length=100), nullable=False),
    sa.Column('starts_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True, comment='places; NULL for no limit'),
    sa.Column('audience', sa.String(length=30), nullable=False),
    sa.Column('signup_opens_at', server.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signup_closes_at', server.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('checkin_code', sa.String(length=12), nullable=False),
    sa.Column('arrivals', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', server.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(organiser_department_id IS NULL) <> (organiser_club_id IS NULL)', name=op.f('ck_activity_one_organiser')),
    sa.CheckConstraint('capacity IS NULL OR capacity > 0', name=op.f('ck_activity_capacity_positive')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_activity_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_activity_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organiser_club_id'], ['club.id'], name=op.f('fk_activity_organiser_club_id_club')),
    sa.ForeignKeyConstraint(['organiser_department_id'], ['department.id'], name=op.f('fk_activity_organiser_department_id_department')),
    sa.ForeignKeyConstraint(['series_id'], ['activity_series.id'], name=op.f('fk_activity_series_id_activity_series'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['speaker_id'], ['person.id'], name=op.f('fk_activity_speaker_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity')),
    sa.UniqueConstraint('series_id', 'starts_at', name=op.f('uq_activity_series_id_starts_at'))
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_organiser_club_id'), ['organiser_club_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_organiser_department_id'), ['organiser_department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_speaker_id'), ['speaker_id'], unique=False)
        batch_op.create_index('ix_activity_starts_at', ['starts_at'], unique=False)

    op.create_table('club_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('club_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requested_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('joined_at', server.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['club_id'], ['club.id'], name=op.f('fk_club_member_club_id_club'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_club_member_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_club_member')),
    sa.UniqueConstraint('club_id', 'person_id', name=op.f('uq_club_member_club_id_person_id'))
    )
    with op.batch_alter_table('club_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_club_member_person_id'), ['person_id'], unique=False)

    op.create_table('activity_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('checked_in_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_attendance_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_activity_attendance_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], name=op.f('fk_activity_attendance_recorded_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_attendance')),
    sa.UniqueConstraint('activity_id', 'person_id', name=op.f('uq_activity_attendance_activity_id_person_id'))
    )
    with op.batch_alter_table('activity_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_attendance_person_id'), ['person_id'], unique=False)

    op.create_table('activity_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.Integer(), nullable=False),
    sa.Column('speaker', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('approved', sa.Boolean(), nullable=False),
    sa.Column('created_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('content BETWEEN 1 AND 5', name=op.f('ck_activity_rating_content_range')),
    sa.CheckConstraint('speaker IS NULL OR speaker BETWEEN 1 AND 5', name=op.f('ck_activity_rating_speaker_range')),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_rating_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_activity_rating_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_rating')),
    sa.UniqueConstraint('activity_id', 'person_id', name=op.f('uq_activity_rating_activity_id_person_id'))
    )
    with op.batch_alter_table('activity_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_rating_person_id'), ['person_id'], unique=False)

    op.create_table('activity_signup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False, comment='arrival order within the activity'),
    sa.Column('created_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('promoted_at', server.models.base.UTCDateTime(timezone=True), nullable=True, comment='moved up from the waiting list'),
    sa.Column('cancelled_at', server.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_signup_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_activity_signup_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_signup')),
    sa.UniqueConstraint('activity_id', 'person_id', name=op.f('uq_activity_signup_activity_id_person_id'))
    )
    with op.batch_alter_table('activity_signup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_signup_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_activity_signup_queue', ['activity_id', 'status', 'position'], unique=False)



def downgrade() -> None:
    # Dropping a table drops its indexes with it, on both dialects.
    for table in ("activity_signup", "activity_rating", "activity_attendance", "club_member", "activity",
                  "club", "activity_feed", "activity_series"):
        op.drop_table(table)
