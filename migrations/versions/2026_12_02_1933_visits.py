"""Visits to enterprises 走访: the plan per enterprise, the visit log, its staff, photos and
the requests filed from the needs found.

Revision ID: eca6fce4fdc9
Revises: d81b45a89f17
Create Date: 2026-12-02 19:33
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.models.base


revision: str = 'eca6fce4fdc9'
down_revision: str | None = 'd81b45a89f17'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('met_with', sa.String(length=200), nullable=False),
    sa.Column('topics', sa.String(length=500), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('internal_notes', sa.Text(), nullable=False),
    sa.Column('follow_ups', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_visit_created_by_id_person')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_visit_enterprise_id_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit'))
    )
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index('ix_visit_enterprise_id_visited_on', ['enterprise_id', 'visited_on'], unique=False)
        batch_op.create_index('ix_visit_visited_on_id', ['visited_on', 'id'], unique=False)

    op.create_table('visit_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('frequency_months', sa.Integer(), nullable=True),
    sa.Column('responsible_department_id', sa.Integer(), nullable=True),
    sa.Column('responsible_person_id', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('updated_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_visit_plan_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['responsible_department_id'], ['department.id'], name=op.f('fk_visit_plan_responsible_department_id_department')),
    sa.ForeignKeyConstraint(['responsible_person_id'], ['person.id'], name=op.f('fk_visit_plan_responsible_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_plan')),
    sa.UniqueConstraint('enterprise_id', name=op.f('uq_visit_plan_enterprise_id'))
    )
    with op.batch_alter_table('visit_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_plan_responsible_department_id'), ['responsible_department_id'], unique=False)

    op.create_table('visit_need',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['filed_by_id'], ['person.id'], name=op.f('fk_visit_need_filed_by_id_person')),
    sa.ForeignKeyConstraint(['request_id'], ['service_request.id'], name=op.f('fk_visit_need_request_id_service_request'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_visit_need_visit_id_visit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_need')),
    sa.UniqueConstraint('request_id', name=op.f('uq_visit_need_request_id'))
    )
    with op.batch_alter_table('visit_need', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_need_visit_id'), ['visit_id'], unique=False)

    op.create_table('visit_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', server.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['person.id'], name=op.f('fk_visit_photo_uploaded_by_id_person')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_visit_photo_visit_id_visit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_photo')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_visit_photo_stored_name'))
    )
    with op.batch_alter_table('visit_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_photo_visit_id'), ['visit_id'], unique=False)

    op.create_table('visit_staff',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_visit_staff_person_id_person')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_visit_staff_visit_id_visit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('visit_id', 'person_id', name=op.f('pk_visit_staff'))
    )
    with op.batch_alter_table('visit_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_staff_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('visit_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_staff_person_id'))

    op.drop_table('visit_staff')
    with op.batch_alter_table('visit_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_photo_visit_id'))

    op.drop_table('visit_photo')
    with op.batch_alter_table('visit_need', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_need_visit_id'))

    op.drop_table('visit_need')
    with op.batch_alter_table('visit_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_plan_responsible_department_id'))

    op.drop_table('visit_plan')
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_visited_on_id')
        batch_op.drop_index('ix_visit_enterprise_id_visited_on')

    op.drop_table('visit')
