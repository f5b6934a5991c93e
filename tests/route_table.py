"""Every route of the app with its full path, through FastAPI's included routers (which
``app.routes`` does not flatten in this FastAPI: it holds one entry per included router)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute


@dataclass(frozen=True)
class RouteInfo:
    path: str
    methods: frozenset[str]
    route: BaseRoute


def all_routes(app) -> Iterator[RouteInfo]:
    for entry in app.routes:
        contexts = getattr(entry, "effective_route_contexts", None)
        if contexts is None:
            yield RouteInfo(getattr(entry, "path", ""), frozenset(getattr(entry, "methods", None) or ()), entry)
            continue
        for context in contexts():
            route = context.original_route
            yield RouteInfo(context.path or getattr(route, "path", ""),
                            frozenset(getattr(route, "methods", None) or ()), route)


def dependency_calls(route: BaseRoute) -> set:
    """Every dependency an API route runs, however deeply nested."""
    if not isinstance(route, APIRoute):
        return set()
    found, stack = set(), list(route.dependant.dependencies)
    while stack:
        dependant = stack.pop()
        found.add(dependant.call)
        stack.extend(dependant.dependencies)
    return found
