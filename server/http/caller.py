"""The database and the person behind an HTTP request, as FastAPI dependencies.

:class:`server.http.session.SessionMiddleware` resolves the session cookie once per request
into ``request.state.person``; the pages read only that, the API also accepts a bearer token
(``server.api.deps``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from server.db import Database
from server.models import Person


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in the
# threadpool, a thread hop per request for nothing.
async def get_database(request: Request) -> Database:
    return request.app.state.database


def session_person(request: Request) -> Person | None:
    """The person the session cookie signed in, or None."""
    return getattr(request.state, "person", None)


DatabaseDep = Annotated[Database, Depends(get_database)]
