"""Route matching that skips whole routers by the first characters of the path.

FastAPI (0.165) keeps an included router as one entry and matches a request by walking the
tree: at each level every router before the right one matches all its routes against the
path, and the walk is done twice (once to choose, once more to handle). With the API's and
the pages' ~270 routes, finding ``/desk`` cost ~1.2 ms of CPU per request, ``/menu/{code}``
~0.7 ms: a fixed cost of every page, more than some pages' own work.

:func:`skip_routers_by_prefix` gives every inclusion of a router a ``matches`` that first checks the
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


def skip_routers_by_prefix(router: APIRouter) -> None:
    """Install the prefix check on every inclusion of a router (at any depth) under ``router``."""
    for included in _included(router):
        prefixes = _literal_prefixes(included)
        if prefixes is not None and "matches" not in included.__dict__:
            # On the inclusion itself, before FastAPI's own ``matches`` (which first records
            # the inclusion in the scope, then walks its routes): a skipped router costs one
            # ``str.startswith``. An inclusion FastAPI builds anew (its routes changed) has
            # no check and is walked as before.
            included.matches = _prefix_checked(included.matches, prefixes)
        _remember_version(included.original_router)


def _remember_version(router: APIRouter) -> None:
    """Answer an included router's ``_get_routes_version`` from memory while its own routes
    stay as they are. FastAPI asks it at every step of a match (is the inclusion's list of
    routes still current?), and each time walks the router and every router below it: ~80
    calls per form submission, 5-7% of its CPU. A change to the router's own routes is still
    seen (its own counter moves); one deeper down is not, as for the prefixes above."""
    if "_get_routes_version" in router.__dict__:
        return  # remembered already (one router may be included in several places)
    own, total = router._routes_version, router._get_routes_version()
    walk = type(router)._get_routes_version

    def routes_version(seen: set[int] | None = None) -> int:
        return total if router._routes_version == own else walk(router, seen)

    router._get_routes_version = routes_version


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


def _prefix_checked(matches, prefixes: tuple[str, ...]):
    def prefix_checked(scope: Scope) -> tuple[Match, Scope]:
        if not get_route_path(scope).startswith(prefixes):
            return Match.NONE, {}
        return matches(scope)

    return prefix_checked
