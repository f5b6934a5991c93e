"""Route matching that skips whole routers by the first characters of the path.

FastAPI (0.165) keeps an included router as one entry and matches a request by walking the
tree: at each level every router before the right one matches all its routes against the
path, and the walk is done twice (once to choose, once more to handle). With the API's and
the pages' ~270 routes, finding ``/desk`` cost ~1.2 ms of CPU per request, ``/menu/{code}``
~0.7 ms: a fixed cost of every page, more than some pages' own work.

:func:`skip_routers_by_prefix` gives every included router a ``matches`` that first checks the
path against the literal beginnings of the routes inside it (``/api/v1/requests/`` of
``/api/v1/requests/{number}``): a path that starts with none of them cannot match any route
there, not even with another method (a 405 also needs the path to match), so the router is
skipped, with exactly the answer a full walk would have given. A router holding a route that
is not matched by its path (a ``Host`` route, a frontend fallback) is always walked.

The beginnings are read once, when the application is built (server.app); routes added to an
included router afterwards are not seen (tests add theirs to the application itself, whose
own routes are always walked)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi import routing as fastapi_routing
from starlette.routing import BaseRoute, Host, Match, Mount, Route, get_route_path
from starlette.types import Scope

_PREFIXES = "_lianxin_path_prefixes"


def skip_routers_by_prefix(router: APIRouter) -> None:
    """Install the prefix check on every router included (at any depth) under ``router``."""
    for included in _included(router):
        prefixes = _literal_prefixes(included)
        if prefixes is None:
            continue
        # One inclusion of a router per place: remember the prefixes on the inclusion, and
        # look them up from the one the walk is in (FastAPI keeps it in the scope).
        included.__dict__[_PREFIXES] = prefixes
        inner = included.original_router
        if "matches" not in inner.__dict__:
            inner.matches = _prefix_checked(inner.matches)


def _included(router: APIRouter):
    for entry in router.routes:
        if isinstance(entry, fastapi_routing._IncludedRouter):
            yield from _walk_inclusion(entry)


def _walk_inclusion(included):
    yield included
    for candidate in included.effective_candidates():
        if isinstance(candidate, fastapi_routing._IncludedRouter):
            yield from _walk_inclusion(candidate)


def _literal_prefixes(included) -> tuple[str, ...] | None:
    prefixes: set[str] = set()
    for context in included.effective_route_contexts():
        route: BaseRoute = context.starlette_route or context.original_route
        if isinstance(context.original_route, fastapi_routing.APIRoute):
            path = context.path
        elif isinstance(route, (Route, Mount)) and not isinstance(route, Host):
            path = route.path
        else:
            return None  # matched by something else than its path: always walk this router
        prefixes.add(path.split("{", 1)[0])
    return tuple(sorted(prefixes))


def _prefix_checked(matches):
    def prefix_checked(scope: Scope) -> tuple[Match, Scope]:
        included = fastapi_routing._get_scope_included_router(scope)
        prefixes = getattr(included, _PREFIXES, None)
        if prefixes is not None and not get_route_path(scope).startswith(prefixes):
            return Match.NONE, {}
        return matches(scope)

    return prefix_checked
