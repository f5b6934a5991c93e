"""append-only history: the database refuses to change or delete request events

Revision ID: a7e1c0d2b9f4
Revises: 2ccd545bd499
Create Date: 2026-11-26 13:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a7e1c0d2b9f4"
down_revision: str | None = "2ccd545bd499"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "request_event is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION request_event_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER request_event_append_only BEFORE UPDATE OR DELETE ON request_event "
            "FOR EACH ROW EXECUTE FUNCTION request_event_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER request_event_no_{verb.lower()} BEFORE {verb} ON request_event "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER request_event_append_only ON request_event")
        op.execute("DROP FUNCTION request_event_append_only()")
    else:
        op.execute("DROP TRIGGER request_event_no_update")
        op.execute("DROP TRIGGER request_event_no_delete")
