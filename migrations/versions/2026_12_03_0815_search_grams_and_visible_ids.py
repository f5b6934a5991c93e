"""search grams and visible ids

- PostgreSQL: a GIN index over the one- and two-character grams of each request's search text
  (``request_search_grams(body)``, an expression index, so the write that keeps the search text
  keeps it too). pg_trgm has no trigram for a term shorter than three characters, so a rare or
  absent short term (麒麟) read the whole table; the grams find its rows (or none) at once. The
  finder still tests the text itself (``ILIKE``), so what is found is what a substring match
  finds; the grams only say where to look.
- (department_id, id), (cohandler_department_id, id), (assignee_id, id): a reason to see
  requests as one ordered range of ids, so that the finder can intersect it with what a search
  finds (server/requests/finder.py) or read it newest first and stop at the page's end.
  (requester_id, id) and (enterprise_id, id) exist already (…_search_and_live_indexes).

Revision ID: d8150a1b2c3d
Revises: c8a0d1e2f300
Create Date: 2026-12-03 08:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d8150a1b2c3d"
down_revision: str | None = "c8a0d1e2f300"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The grams of a text as the finder looks them up (server/requests/search.py): every character
# and every pair of neighbouring characters of lower(body), leaving out those with a space (the
# separator of the text's parts; a search term of one or two characters never has one). Case
# folded as ILIKE folds it (PostgreSQL compares the lower-case forms of both sides). Duplicates
# stay: GIN keeps each key once per row.
GRAMS_FUNCTION = (
    "CREATE FUNCTION request_search_grams(body text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
    "SELECT array_remove(c, ' ') || ARRAY(SELECT a || b FROM unnest(c[1:cardinality(c) - 1], c[2:]) AS u(a, b) "
    "WHERE a <> ' ' AND b <> ' ') FROM string_to_array(lower(body), NULL) AS c $$"
)
_VISIBLE = {
    "ix_service_request_department_id": "department_id",
    "ix_service_request_cohandler_id": "cohandler_department_id",
    "ix_service_request_assignee_id": "assignee_id",
}


def upgrade() -> None:
    for name, column in _VISIBLE.items():
        op.create_index(name, "service_request", [column, "id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GRAMS_FUNCTION)
        # About 80 keys per request: a larger sort memory than the default 64 MB for the build.
        op.execute("SET LOCAL maintenance_work_mem = '256MB'")
        op.execute("CREATE INDEX ix_request_search_grams ON request_search USING gin (request_search_grams(body))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_request_search_grams")
        op.execute("DROP FUNCTION IF EXISTS request_search_grams(text)")
    for name in _VISIBLE:
        op.drop_index(name, table_name="service_request")
