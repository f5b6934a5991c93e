"""rooms and bookings; the database refuses overlapping live bookings of a room

Revision ID: 6c747e466be6
Revises: 5ae14e3c240d
Create Date: 2026-12-02 19:15:00

No two live bookings (requested or approved) of one room may overlap, whoever writes them:
- PostgreSQL: an exclusion constraint over (room_id, tstzrange(starts_at, ends_at)) — the
  columns are timestamptz — with btree_gist for the equality on room_id. A concurrent
  second insert waits for the first transaction and fails when it commits.
- SQLite has no exclusion constraints: triggers refuse an insert or update that would
  overlap a live booking. SQLite runs one write transaction at a time for the whole file
  (server/db.py begins writes with BEGIN IMMEDIATE), and the trigger's check runs inside the
  writing statement, so no other write can come between the check and the row it guards.
Both raise an integrity error naming ``booking_overlap``; server/rooms/service.py turns it
into BookingConflict.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.models.base

revision: str = "6c747e466be6"
down_revision: str | None = "5ae14e3c240d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OVERLAP = "booking_overlap"
LIVE = "('requested', 'approved')"
_TIME = server.models.base.UTCDateTime(timezone=True)


def _sqlite_check(exclude_self: bool) -> str:
    other = "AND b.id <> NEW.id " if exclude_self else ""
    return (
        f"SELECT RAISE(ABORT, '{OVERLAP}') WHERE EXISTS (SELECT 1 FROM booking b "
        f"WHERE b.room_id = NEW.room_id AND b.status IN {LIVE} {other}"
        "AND b.starts_at < NEW.ends_at AND NEW.starts_at < b.ends_at);"
    )


def upgrade() -> None:
    op.create_table(
        "room",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False, comment="{locale: name}"),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("floor", sa.String(length=20), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("equipment", sa.JSON(), nullable=False, comment="e.g. ['投影仪', '音响']"),
        sa.Column("opening_hours", sa.JSON(), nullable=False, comment='{"mon": [["09:00", "18:00"]], ...}, local time'),
        sa.Column("keeps_office_hours", sa.Boolean(), nullable=False),
        sa.Column("needs_approval", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["building_id"], ["building.id"], name=op.f("fk_room_building_id_building")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room")),
    )
    with op.batch_alter_table("room", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_room_building_id"), ["building_id"], unique=False)
    op.create_table(
        "booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", _TIME, nullable=False),
        sa.Column("ends_at", _TIME, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=1000), nullable=False),
        sa.Column("expected_people", sa.Integer(), nullable=False),
        sa.Column("contact_name", sa.String(length=100), nullable=False),
        sa.Column("contact_phone", sa.String(length=30), nullable=False),
        sa.Column("booked_by_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", _TIME, nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=False),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", _TIME, nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_booking_ends_after_start")),
        sa.ForeignKeyConstraint(["booked_by_id"], ["person.id"], name=op.f("fk_booking_booked_by_id_person")),
        sa.ForeignKeyConstraint(["cancelled_by_id"], ["person.id"], name=op.f("fk_booking_cancelled_by_id_person")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["person.id"], name=op.f("fk_booking_decided_by_id_person")),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"], name=op.f("fk_booking_enterprise_id_enterprise")),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name=op.f("fk_booking_room_id_room")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking")),
    )
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_booking_activity_id"), ["activity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_booking_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index("ix_booking_room_id_starts_at", ["room_id", "starts_at"], unique=False)
        batch_op.create_index("ix_booking_booked_by_id_starts_at", ["booked_by_id", "starts_at"], unique=False)
        batch_op.create_index("ix_booking_status_starts_at", ["status", "starts_at"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        # Trusted since PostgreSQL 13: the database's owner may create it. Left in place on
        # downgrade (other objects may come to use it).
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            f"ALTER TABLE booking ADD CONSTRAINT {OVERLAP} EXCLUDE USING gist "
            f"(room_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (status IN {LIVE})"
        )
    else:
        op.execute(
            f"CREATE TRIGGER {OVERLAP}_insert BEFORE INSERT ON booking "
            f"WHEN NEW.status IN {LIVE} BEGIN {_sqlite_check(False)} END"
        )
        op.execute(
            f"CREATE TRIGGER {OVERLAP}_update BEFORE UPDATE OF room_id, starts_at, ends_at, status ON booking "
            f"WHEN NEW.status IN {LIVE} BEGIN {_sqlite_check(True)} END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute(f"DROP TRIGGER {OVERLAP}_update")
        op.execute(f"DROP TRIGGER {OVERLAP}_insert")
    op.drop_table("booking")
    op.drop_table("room")
