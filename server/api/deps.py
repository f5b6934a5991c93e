"""Dependencies shared by the API endpoints: the database and the person asking."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from server.accounts import service as account_service
from server.db import Database
from server.errors import Forbidden, NotAuthenticated
from server.http.caller import DatabaseDep, get_database, session_person
from server.http.csrf import require_header_token
from server.models import Person

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

__all__ = ["DatabaseDep", "PersonDep", "current_person", "get_database", "oauth2_scheme"]


def current_person(
    request: Request,
    database: Annotated[Database, Depends(get_database)],
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Person:
    """The signed-in person: a bearer token for programs, the session cookie for the browser."""
    person = None
    if token:
        with database.read() as session:
            found = account_service.resolve_token(session, token, kind="api")
            person = found[0] if found else None
    else:
        person = session_person(request)
        if person is not None:
            # A cookie rides along on cross-site requests too; a write needs the page's token.
            require_header_token(request)
    request.state.person = person  # who asked, for the request log (server.request_log)
    if person is None:
        raise NotAuthenticated("Sign in first: send a bearer token from /api/v1/auth/token.")
    if person.must_change_password:
        # An admin reset the password: nothing works until its owner has chosen a new one.
        raise Forbidden("Change your password first: sign in on the web and choose a new one.")
    return person


PersonDep = Annotated[Person, Depends(current_person)]
