"""The searchable text of a request (the finder's text search, server/requests/search.py).

One row per request, written by database triggers on ``service_request`` (migration
``…_request_search``), so every writer — the submission service, bulk loaders, a backfill —
keeps it in step in the same transaction. ``body`` is the request's own text as stored: its
description, contact phone and the values of its answers (not the fields' labels). Names of
requesters and enterprises are not copied here: they are searched in their own tables, so a
renamed enterprise is found by its new name at once.

Indexed per dialect outside the ORM: on SQLite an external-content FTS5 table
``request_fts`` with the trigram tokenizer; on PostgreSQL a pg_trgm GIN index on ``body``."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class RequestSearch(Base):
    __tablename__ = "request_search"

    # INTEGER PRIMARY KEY: on SQLite the rowid itself, which FTS5's content_rowid points at.
    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_request.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    body: Mapped[str] = mapped_column(Text, default="")
