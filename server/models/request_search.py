"""The searchable text of a request (the finder's text search, server/requests/search.py).

One row per request, written by database triggers on ``service_request`` (migration
``…_request_search``), so every writer — the submission service, bulk loaders, a backfill —
keeps it in step in the same transaction. ``body`` is the request's own text as stored: its
description, contact phone and the values of its answers (not the fields' labels). Names of
requesters and enterprises are not copied here: they are searched in their own tables, so a
renamed enterprise is found by its new name at once.

Beside the text, copies of the request's columns that say who sees it (the policy's reasons to see
but the assignee, which changes at every claim; migration ``…_search_among_what_one_sees``,
triggers again): on PostgreSQL one index then finds a department's (or a requester's, an
enterprise's) matches of a text without reading the text's matches elsewhere.

Indexed per dialect outside the ORM: on SQLite an external-content FTS5 table
``request_fts`` with the trigram tokenizer; on PostgreSQL GIN indexes over the copies and the
text (pg_trgm's trigrams, and the one- and two-character grams of ``request_search_grams``), or
without the btree_gin extension the text's GIN indexes and a btree index per copy."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class RequestSearch(Base):
    __tablename__ = "request_search"

    # INTEGER PRIMARY KEY: on SQLite the rowid itself, which FTS5's content_rowid points at.
    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_request.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    body: Mapped[str] = mapped_column(Text, default="")
    # Copies of service_request's columns (never written here: the triggers keep them).
    department_id: Mapped[int | None] = mapped_column(Integer)
    cohandler_department_id: Mapped[int | None] = mapped_column(Integer)
    requester_id: Mapped[int | None] = mapped_column(Integer)
    enterprise_id: Mapped[int | None] = mapped_column(Integer)
