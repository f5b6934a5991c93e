"""Probes for a process manager or load balancer.

``/healthz``: the process answers (no database work, so a slow database never gets a healthy
worker restarted). ``/readyz``: it can serve: the database answers and its schema is at the
migrations' head (503 with a problem naming the failed check otherwise, e.g. during a deploy
whose ``lianxin migrate`` has not run yet)."""

from __future__ import annotations

import logging
from functools import cache

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from server import migrate
from server.api.problems import problem
from server.db import Database

log = logging.getLogger("lianxin.health")

router = APIRouter(include_in_schema=False)

VERSION_TABLE = "alembic_version"  # Alembic's default, which migrations/env.py keeps


@cache
def _heads() -> frozenset[str]:
    # The scripts on disk do not change while the process runs: parse them once.
    return frozenset(migrate.head_revisions())


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    database: Database = request.app.state.database
    try:
        with database.engine.connect() as conn:
            # Alembic's own MigrationContext would log two INFO lines per probe: read its table.
            current = frozenset(
                conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalars()
                if inspect(conn).has_table(VERSION_TABLE)
                else ()
            )
    except SQLAlchemyError as exc:
        # The reason may name hosts and users: it goes to the log, not to the caller.
        log.warning("not ready: the database is not reachable: %s", exc)
        return problem(
            503, "The database is not reachable.", type_slug="not-ready",
            checks={"database": "failed", "migrations": "unknown"},
        )
    heads = _heads()
    if current != heads:
        return problem(
            503, "The database schema is not at the migrations' head: run `lianxin migrate`.",
            type_slug="not-ready", checks={"database": "ok", "migrations": "failed"},
            current=sorted(current), head=sorted(heads),
        )
    return JSONResponse({"status": "ready", "checks": {"database": "ok", "migrations": "ok"}})
