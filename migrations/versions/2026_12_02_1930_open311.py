"""open311

Revision ID: 5ae14e3c240d
Revises: 7d3f1b2a9c40
Create Date: 2026-12-02 19:30:00

Open311 GeoReport v2 (server/open311/): the API keys admins issue (only their SHA-256 kept),
and beside each request filed through Open311 its key, the reporter's name and e-mail, a
coordinate and a media link.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from server.models.base import UTCDateTime

revision: str = "5ae14e3c240d"
down_revision: str | None = "7d3f1b2a9c40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "open311_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False, comment="what the key is for, e.g. the kiosk app"),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["person.id"], name=op.f("fk_open311_key_created_by_id_person")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_open311_key_person_id_person"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_open311_key_key_hash")),
    )
    with op.batch_alter_table("open311_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_open311_key_person_id"), ["person_id"], unique=False)
    op.create_table(
        "open311_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("long", sa.Float(), nullable=True),
        sa.Column("address_string", sa.String(length=300), nullable=False),
        sa.Column("media_url", sa.String(length=2000), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["open311_key.id"], name=op.f("fk_open311_request_key_id_open311_key")),
        sa.ForeignKeyConstraint(["request_id"], ["service_request.id"], name=op.f("fk_open311_request_request_id_service_request"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_request")),
        sa.UniqueConstraint("request_id", name=op.f("uq_open311_request_request_id")),
    )
    with op.batch_alter_table("open311_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_open311_request_key_id"), ["key_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("open311_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_open311_request_key_id"))
    op.drop_table("open311_request")
    with op.batch_alter_table("open311_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_open311_key_person_id"))
    op.drop_table("open311_key")
