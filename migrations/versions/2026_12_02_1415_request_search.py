"""request search

The request finder's text search (issue 8): ``request_search`` holds each request's own text
(description, contact phone, the values of its answers), kept in step with ``service_request``
by triggers in the same transaction as every write, and backfilled here for existing rows.

- SQLite: an external-content FTS5 table ``request_fts`` over ``request_search.body`` with the
  trigram tokenizer (substrings of three or more characters), kept by triggers on
  ``request_search`` (the pattern of the FTS5 documentation, "external content tables"), and
  ``request_fts_vocab`` (fts5vocab) to read its terms.
- PostgreSQL: the pg_trgm extension and a GIN trigram index on ``request_search.body``.

Terms of one or two characters cannot use either index; server/requests/search.py says how
they are found.

Revision ID: 3f9b2d71c0a4
Revises: c9a58f367658
Create Date: 2026-12-02 14:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3f9b2d71c0a4"
down_revision: str | None = "c9a58f367658"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The searchable text of a service_request row ``r``: the same words on both databases. On
# SQLite it ends in two spaces, so that every character of the text starts a trigram: a term of
# one or two characters is then found through the trigrams that begin with it
# (server/requests/search.py).
SQLITE_BODY = (
    "coalesce({r}.description, '') || ' ' || coalesce({r}.contact_phone, '') || ' ' || "
    "coalesce((SELECT group_concat(json_extract(a.value, '$.value'), ' ') FROM json_each({r}.answers) AS a "
    "WHERE json_type({r}.answers) = 'array'), '') || '  '"
)
PG_BODY = (
    "concat_ws(' ', {r}.description, {r}.contact_phone, "
    "(SELECT string_agg(a.value ->> 'value', ' ') FROM json_array_elements("
    "CASE WHEN json_typeof({r}.answers) = 'array' THEN {r}.answers ELSE '[]'::json END) AS a))"
)


def upgrade() -> None:
    op.create_table(
        "request_search",
        sa.Column("request_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["service_request.id"], name=op.f("fk_request_search_request_id_service_request"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_request_search")),
    )
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def _upgrade_sqlite() -> None:
    op.execute(f"INSERT INTO request_search (request_id, body) SELECT r.id, {SQLITE_BODY.format(r='r')} FROM service_request AS r")
    op.execute(
        "CREATE VIRTUAL TABLE request_fts USING fts5(body, content='request_search', content_rowid='request_id', "
        "tokenize='trigram')"
    )
    op.execute("INSERT INTO request_fts (request_fts) VALUES ('rebuild')")
    # The index's terms (trigrams) with their document counts, for short terms and for choosing
    # between the index and a scan.
    op.execute("CREATE VIRTUAL TABLE request_fts_vocab USING fts5vocab(request_fts, 'row')")
    op.execute(
        "CREATE TRIGGER request_search_ai AFTER INSERT ON request_search BEGIN "
        "INSERT INTO request_fts (rowid, body) VALUES (new.request_id, new.body); END"
    )
    op.execute(
        "CREATE TRIGGER request_search_ad AFTER DELETE ON request_search BEGIN "
        "INSERT INTO request_fts (request_fts, rowid, body) VALUES ('delete', old.request_id, old.body); END"
    )
    op.execute(
        "CREATE TRIGGER request_search_au AFTER UPDATE ON request_search BEGIN "
        "INSERT INTO request_fts (request_fts, rowid, body) VALUES ('delete', old.request_id, old.body); "
        "INSERT INTO request_fts (rowid, body) VALUES (new.request_id, new.body); END"
    )
    op.execute(
        "CREATE TRIGGER service_request_search_ai AFTER INSERT ON service_request BEGIN "
        f"INSERT INTO request_search (request_id, body) VALUES (new.id, {SQLITE_BODY.format(r='new')}); END"
    )
    op.execute(
        "CREATE TRIGGER service_request_search_au AFTER UPDATE OF description, contact_phone, answers ON service_request "
        f"BEGIN UPDATE request_search SET body = {SQLITE_BODY.format(r='new')} WHERE request_id = new.id; END"
    )


def _upgrade_postgresql() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(f"INSERT INTO request_search (request_id, body) SELECT r.id, {PG_BODY.format(r='r')} FROM service_request AS r")
    op.execute("CREATE INDEX ix_request_search_body_trgm ON request_search USING gin (body gin_trgm_ops)")
    op.execute(
        "CREATE FUNCTION request_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO request_search (request_id, body) VALUES (NEW.id, {PG_BODY.format(r='NEW')}) "
        "ON CONFLICT (request_id) DO UPDATE SET body = EXCLUDED.body; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER service_request_search AFTER INSERT OR UPDATE OF description, contact_phone, answers "
        "ON service_request FOR EACH ROW EXECUTE FUNCTION request_search_sync()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS service_request_search ON service_request")
        op.execute("DROP FUNCTION IF EXISTS request_search_sync()")
        # pg_trgm stays: other objects may use it, and dropping an extension needs ownership.
    else:
        for trigger in ("service_request_search_ai", "service_request_search_au", "request_search_ai",
                        "request_search_ad", "request_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS request_fts_vocab")
        op.execute("DROP TABLE IF EXISTS request_fts")
    op.drop_table("request_search")
