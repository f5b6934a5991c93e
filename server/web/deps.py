"""Dependencies for page routes: the signed-in person and role guards.

    @router.get("/dispatch")
    def board(request: Request, person: Annotated[Person, Depends(require_roles(Role.dispatcher))]):
        ...

A missing sign-in raises ``NotAuthenticated``: page GETs are then redirected to
``/login?next=…`` by the error handler; a missing role raises ``Forbidden`` (a 403 page).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from server.enums import Role
from server.errors import Forbidden, NotAuthenticated
from server.http.caller import DatabaseDep, get_database, session_person
from server.models import Person

__all__ = ["DatabaseDep", "PagePerson", "get_database", "page_person", "require_roles", "with_roles"]


async def page_person(request: Request) -> Person:  # async: no I/O, no threadpool hop
    person = session_person(request)
    if person is None:
        raise NotAuthenticated("Please sign in first.")
    return person


PagePerson = Annotated[Person, Depends(page_person)]


def with_roles(person: Person, *roles: Role) -> Person:
    """The person, when they hold any of ``roles``; else Forbidden (for a page that resolves
    its session itself, server.http.session.page_person_in, as require_roles does for others)."""
    if not person.has_role(*roles):
        # The API names the role codes; a page says it plainly, in the reader's language.
        raise Forbidden("You may not open this page.")
    return person


def require_roles(*roles: Role) -> Callable[[Person], Awaitable[Person]]:
    """A dependency that returns the person when they hold any of ``roles``."""

    async def dependency(person: PagePerson) -> Person:
        return with_roles(person, *roles)

    return dependency
