"""Dependencies shared by the API endpoints: the database and the person asking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from server.accounts import service as account_service
from server.db import Database
from server.errors import Forbidden, NotAuthenticated
from server.http.caller import DatabaseDep, get_database, session_person
from server.http.csrf import require_header_token
from server.models import Person

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

__all__ = ["CallerDep", "DatabaseDep", "PersonDep", "current_person", "get_database", "oauth2_scheme"]


@dataclass(frozen=True)
class Caller:
    """Who says they are asking, not yet checked against the database: a bearer token for
    programs, or the person the session cookie signed in (already resolved by the session
    middleware). :meth:`person_in` checks it inside the caller's own unit of work, so a hot
    write endpoint resolves its caller in its write transaction instead of a read of its own
    (one transaction and one thread hop fewer), and a revoked token still stops at once."""

    request: Request
    token: str | None

    def person_in(self, session: Session) -> Person:
        """The signed-in, active person, or NotAuthenticated / Forbidden."""
        if not self.token:
            return self.cookie_person()
        # Detached, as a person read in a read of its own is: a rollback of this transaction
        # (a refused submission) must not expire what the error answer and the log show.
        return self._admit(account_service.token_person(session, self.token, kind="api"))

    def cookie_person(self) -> Person:
        """The person of the session cookie (no query: the session middleware resolved it)."""
        person = session_person(self.request)
        if person is not None:
            # A cookie rides along on cross-site requests too; a write needs the page's token.
            require_header_token(self.request)
        return self._admit(person)

    def _admit(self, person: Person | None) -> Person:
        self.request.state.person = person  # who asked, for the request log (server.request_log)
        if person is None:
            raise NotAuthenticated("Sign in first: send a bearer token from /api/v1/auth/token.")
        if person.must_change_password:
            # An admin reset the password: nothing works until its owner has chosen a new one.
            raise Forbidden("Change your password first: sign in on the web and choose a new one.")
        return person


async def caller(request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]) -> Caller:
    return Caller(request, token)  # async: no I/O here, so no threadpool hop


CallerDep = Annotated[Caller, Depends(caller)]


def current_person(database: Annotated[Database, Depends(get_database)], who: CallerDep) -> Person:
    """The signed-in person, checked in a read of its own: most endpoints."""
    if not who.token:
        return who.cookie_person()
    with database.read() as session:
        return who.person_in(session)


PersonDep = Annotated[Person, Depends(current_person)]
