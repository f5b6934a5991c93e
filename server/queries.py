"""Small query helpers the domain repositories share: counting rows, loading rows by id for
names beside a list, and the admin lists' page size."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

PAGE_SIZE = 50
# The highest page number a numbered admin list accepts (far past any real list; an OFFSET from
# a larger one would overflow the database's integer).
MAX_PAGE = 100_000


def count_where(session: Session, model, *conditions) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def names_by_id(session: Session, model, ids: Iterable[int]) -> dict[int, object]:
    """Rows of ``model`` by id, for showing names beside a page of people (one query)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))}
