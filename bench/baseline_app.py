"""The two baselines the benchmark compares Lianxin with, served by uvicorn like Lianxin.

A: ``bench.baseline_app:json_app`` — an async endpoint returning a small JSON object: the
   ceiling of FastAPI + uvicorn on this machine.
B: ``bench.baseline_app:create_insert_app`` (a factory) — a sync ``def`` endpoint (threadpool,
   like Lianxin's) inserting one row into SQLite through SQLAlchemy, using Lianxin's own
   ``server.db.Database``: the same pragmas (WAL, synchronous, busy_timeout, foreign keys), the
   same ``BEGIN IMMEDIATE`` write transactions, the same process-wide write lock, and the same
   threadpool cap as ``server.app``. Settings come from the environment exactly as Lianxin
   reads them (``LIANXIN_DATA_DIR`` → ``<data_dir>/baseline.db``).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import UTC, datetime

import anyio.to_thread
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import DateTime, Integer, String, Text, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from server.config import get_settings
from server.db import Database

json_app = FastAPI()


@json_app.get("/ping")
async def ping() -> dict:
    return {"ok": True, "service": "baseline", "n": 1}


class _Base(DeclarativeBase):
    pass


class Note(_Base):
    __tablename__ = "bench_note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class NoteIn(BaseModel):
    author: str
    text: str


class NoteOut(BaseModel):
    id: int
    author: str


def create_insert_app() -> FastAPI:
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{settings.data_dir / 'baseline.db'}"
    # Create the table with a throwaway engine so the app's own pool starts clean.
    setup = create_engine(url)
    _Base.metadata.create_all(setup)
    setup.dispose()
    database = Database(url, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.effective_threadpool_size(database.is_sqlite)
        try:
            yield
        finally:
            database.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.post("/notes", status_code=201)
    def add_note(body: NoteIn) -> NoteOut:
        with database.write() as session:
            note = Note(author=body.author, text=body.text, created_at=datetime.now(UTC))
            session.add(note)
            session.flush()
            out = NoteOut(id=note.id, author=note.author)
        return out

    return app
