"""search among what one sees

``request_search`` gets copies of the columns that say who sees a request — ``department_id``,
``cohandler_department_id``, ``requester_id``, ``enterprise_id`` (server/policy.py's reasons to see,
but the assignee, which changes at every claim) — kept by triggers on ``service_request`` in the
same transaction as every write, as its text is.

Why: on PostgreSQL a lead's (or a contact's) search for a term common overall but rare in their
department read every match of the text index (in ``request_search``) before it could keep the
department's (1–2 s for 社保 at 1M: 106,000 matches, none in the department). With the copies
beside the text, one index answers both:

- with the ``btree_gin`` extension (shipped with PostgreSQL's contrib, a trusted extension since
  PostgreSQL 13, so the database owner can create it): the two text GIN indexes become
  multicolumn GIN indexes over the four copies and the text (pg_trgm's trigrams; the one- and
  two-character grams of ``request_search_grams``). A GIN index serves a condition on any
  subset of its columns alike, so the supervisor's text-only search keeps its speed, and
  ``department_id = d AND body ILIKE …`` intersects the posting lists inside the index;
- without it (a server without contrib's btree_gin): the text indexes stay as they are and each
  copy gets a btree index, which PostgreSQL combines with the text's GIN index by a BitmapAnd.
  The finder's queries are the same either way (server/requests/search.py).

Also ``ix_service_request_assignee_department_id`` (assignee_id, department_id, id): what a member
of staff holds outside their department, the one part of "what they hold" that their
department's requests do not already cover (server/policy.py); a lead's search no longer reads
their department's requests twice, once as theirs and once as held by them.

SQLite (FTS5 cannot combine its matches with another column) gets the copies and the triggers
too, so both databases have one schema; its FTS5 trigger on request_search now fires on a change
of ``body`` only, so that a dispatch does not re-index the text.

PostgreSQL rebuilds ``request_search`` (a copy with the new columns, then a swap) rather than
updating every row in place, which would leave it at twice its size and insert every row's
~180 GIN keys again. At 1,000,000 requests this migration took 5 min 33 s on PostgreSQL (load
average 2–6 on 2 cores; the grams' GIN index is most of it, its function costing ~55 µs a row)
and 32 s on SQLite. Sizes at 1M: ix_request_search_seen_trgm 79 MB and _seen_grams 104 MB
(the text-only indexes they replace: 97 MB and 133 MB, grown by updates), request_search 131 →
142 MB, ix_service_request_assignee_department_id 30 MB.

Revision ID: b1000a2b3c4d
Revises: a9000d1e2f30
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b1000a2b3c4d"
down_revision: str | None = "a9000d1e2f30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns of service_request copied into request_search (server/models/request_search.py).
SEEN = ("department_id", "cohandler_department_id", "requester_id", "enterprise_id")
_SEEN = ", ".join(SEEN)
# PostgreSQL's text of a request, as migration …_request_search computes it.
PG_BODY = (
    "concat_ws(' ', {r}.description, {r}.contact_phone, "
    "(SELECT string_agg(a.value ->> 'value', ' ') FROM json_array_elements("
    "CASE WHEN json_typeof({r}.answers) = 'array' THEN {r}.answers ELSE '[]'::json END) AS a))"
)
SQLITE_BODY = (
    "coalesce({r}.description, '') || ' ' || coalesce({r}.contact_phone, '') || ' ' || "
    "coalesce((SELECT group_concat(json_extract(a.value, '$.value'), ' ') FROM json_each({r}.answers) AS a "
    "WHERE json_type({r}.answers) = 'array'), '') || '  '"
)
# A change of any copied column (the WHEN of the triggers that keep the copies).
_CHANGED = " OR ".join(f"old.{c} IS NOT new.{c}" for c in SEEN)
_PG_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in SEEN)
_PG_SET = ", ".join(f"{c} = NEW.{c}" for c in SEEN)

# The indexes of each plan on PostgreSQL (see the docstring).
PG_TEXT_INDEXES = {
    "ix_request_search_body_trgm": "gin (body gin_trgm_ops)",
    "ix_request_search_grams": "gin (request_search_grams(body))",
}
PG_SEEN_TEXT_INDEXES = {
    "ix_request_search_seen_trgm": f"gin ({_SEEN}, body gin_trgm_ops)",
    "ix_request_search_seen_grams": f"gin ({_SEEN}, request_search_grams(body))",
}
PG_SEEN_BTREES = {f"ix_request_search_{c}": f"btree ({c})" for c in SEEN}


def upgrade() -> None:
    op.create_index("ix_service_request_assignee_department_id", "service_request",
                    ["assignee_id", "department_id", "id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def _btree_gin() -> bool:
    """Whether the btree_gin extension is there or can be created here."""
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'btree_gin'")).scalar():
        return True
    if not bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'btree_gin'")).scalar():
        return False
    # Available, but creating it needs the right to (trusted: CREATE on the database). A
    # savepoint, so that a refusal leaves the migration's transaction usable.
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS btree_gin"))
    except sa.exc.DBAPIError:
        return False
    return True


def _upgrade_postgresql() -> None:
    combined = _btree_gin()
    # No request may change between the copy and the swap (a server still running the old
    # code while this migrates): its search row would be lost with the old table. The lock
    # holds until this migration commits. The new table is created by the role that migrates:
    # run migrations as the role the application connects with (docs/DEPLOY.md), or grant it.
    op.execute("LOCK TABLE service_request IN SHARE ROW EXCLUSIVE MODE")
    op.execute("LOCK TABLE request_search IN SHARE ROW EXCLUSIVE MODE")
    # The new table, filled in request order, then swapped in.
    op.execute(
        "CREATE TABLE request_search_new (request_id integer NOT NULL, body text NOT NULL, "
        "department_id integer, cohandler_department_id integer, requester_id integer, enterprise_id integer)"
    )
    op.execute(
        f"INSERT INTO request_search_new (request_id, body, {_SEEN}) "
        f"SELECT s.request_id, s.body, {', '.join('r.' + c for c in SEEN)} "
        "FROM request_search AS s JOIN service_request AS r ON r.id = s.request_id ORDER BY s.request_id"
    )
    op.execute("DROP TABLE request_search")
    op.execute("ALTER TABLE request_search_new RENAME TO request_search")
    op.execute("ALTER TABLE request_search ADD CONSTRAINT pk_request_search PRIMARY KEY (request_id)")
    op.execute(
        "ALTER TABLE request_search ADD CONSTRAINT fk_request_search_request_id_service_request "
        "FOREIGN KEY (request_id) REFERENCES service_request (id) ON DELETE CASCADE"
    )
    # About 180 keys per request: a larger sort memory than the default 64 MB for the builds.
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for name, definition in (PG_SEEN_TEXT_INDEXES if combined else {**PG_TEXT_INDEXES, **PG_SEEN_BTREES}).items():
        op.execute(f"CREATE INDEX {name} ON request_search USING {definition}")
    # Every write of a request's text writes the copies too; a change of who sees it (a dispatch,
    # a co-handler) writes only them.
    op.execute(
        "CREATE OR REPLACE FUNCTION request_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO request_search (request_id, body, {_SEEN}) "
        f"VALUES (NEW.id, {PG_BODY.format(r='NEW')}, {', '.join('NEW.' + c for c in SEEN)}) "
        f"ON CONFLICT (request_id) DO UPDATE SET body = EXCLUDED.body, "
        f"{', '.join(f'{c} = EXCLUDED.{c}' for c in SEEN)}; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE FUNCTION request_search_seen_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"UPDATE request_search SET {_PG_SET} WHERE request_id = NEW.id; RETURN NULL; END $$"
    )
    op.execute(
        f"CREATE TRIGGER service_request_search_seen AFTER UPDATE OF {_SEEN} ON service_request "
        f"FOR EACH ROW WHEN ({_PG_CHANGED}) EXECUTE FUNCTION request_search_seen_sync()"
    )
    op.execute("ANALYZE request_search")


def _upgrade_sqlite() -> None:
    # The FTS5 index follows the text only (it fired on every update of the row).
    op.execute("DROP TRIGGER IF EXISTS request_search_au")
    op.execute(
        "CREATE TRIGGER request_search_au AFTER UPDATE OF body ON request_search BEGIN "
        "INSERT INTO request_fts (request_fts, rowid, body) VALUES ('delete', old.request_id, old.body); "
        "INSERT INTO request_fts (rowid, body) VALUES (new.request_id, new.body); END"
    )
    for c in SEEN:
        op.execute(f"ALTER TABLE request_search ADD COLUMN {c} INTEGER")
    op.execute(
        f"UPDATE request_search SET ({_SEEN}) = "
        f"(SELECT {_SEEN} FROM service_request AS r WHERE r.id = request_search.request_id)"
    )
    op.execute("DROP TRIGGER IF EXISTS service_request_search_ai")
    op.execute(
        "CREATE TRIGGER service_request_search_ai AFTER INSERT ON service_request BEGIN "
        f"INSERT INTO request_search (request_id, body, {_SEEN}) "
        f"VALUES (new.id, {SQLITE_BODY.format(r='new')}, {', '.join('new.' + c for c in SEEN)}); END"
    )
    op.execute(
        f"CREATE TRIGGER service_request_search_seen AFTER UPDATE OF {_SEEN} ON service_request "
        f"WHEN {_CHANGED} BEGIN UPDATE request_search SET "
        f"{', '.join(f'{c} = new.{c}' for c in SEEN)} WHERE request_id = new.id; END"
    )


def downgrade() -> None:
    op.drop_index("ix_service_request_assignee_department_id", table_name="service_request")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS service_request_search_seen ON service_request")
        op.execute("DROP FUNCTION IF EXISTS request_search_seen_sync()")
        op.execute(
            "CREATE OR REPLACE FUNCTION request_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"INSERT INTO request_search (request_id, body) VALUES (NEW.id, {PG_BODY.format(r='NEW')}) "
            "ON CONFLICT (request_id) DO UPDATE SET body = EXCLUDED.body; RETURN NULL; END $$"
        )
        for name in (*PG_SEEN_TEXT_INDEXES, *PG_SEEN_BTREES):
            op.execute(f"DROP INDEX IF EXISTS {name}")
        for c in SEEN:
            op.execute(f"ALTER TABLE request_search DROP COLUMN {c}")
        op.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for name, definition in PG_TEXT_INDEXES.items():
            op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON request_search USING {definition}")
        # btree_gin stays: other objects may use it, as pg_trgm does.
        return
    op.execute("DROP TRIGGER IF EXISTS service_request_search_seen")
    op.execute("DROP TRIGGER IF EXISTS service_request_search_ai")
    op.execute(
        "CREATE TRIGGER service_request_search_ai AFTER INSERT ON service_request BEGIN "
        f"INSERT INTO request_search (request_id, body) VALUES (new.id, {SQLITE_BODY.format(r='new')}); END"
    )
    for c in SEEN:
        op.execute(f"ALTER TABLE request_search DROP COLUMN {c}")
    op.execute("DROP TRIGGER IF EXISTS request_search_au")
    op.execute(
        "CREATE TRIGGER request_search_au AFTER UPDATE ON request_search BEGIN "
        "INSERT INTO request_fts (request_fts, rowid, body) VALUES ('delete', old.request_id, old.body); "
        "INSERT INTO request_fts (rowid, body) VALUES (new.request_id, new.body); END"
    )
