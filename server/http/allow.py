"""The ``Allow`` header of a 405: every method some route accepts at this path.

FastAPI keeps one route per method and path, and Starlette answers a wrong method with the
methods of the first route whose path matched — so ``PATCH /api/v1/requests`` was told
``Allow: POST`` although GET works there too. This looks at all of them."""

from __future__ import annotations

import re
from functools import lru_cache

from starlette.routing import compile_path


def allowed_methods(app, path: str) -> list[str]:
    methods: set[str] = set()
    for pattern, route_methods in _route_patterns(app):
        if pattern.match(path):
            methods |= route_methods
    return sorted(methods)


@lru_cache(maxsize=8)
def _route_patterns(app) -> tuple[tuple[re.Pattern, frozenset[str]], ...]:
    found = []
    for path, methods in _walk(app.routes):
        if methods:
            found.append((compile_path(path)[0], frozenset(methods)))
    return tuple(found)


def _walk(routes, prefix: str = ""):
    for entry in routes:
        # FastAPI 0.165 keeps an included router as one entry with its routes inside.
        contexts = getattr(entry, "effective_route_contexts", None)
        if contexts is not None:
            for context in contexts():
                route = context.original_route
                yield prefix + (context.path or getattr(route, "path", "")), getattr(route, "methods", None)
            continue
        yield prefix + getattr(entry, "path", ""), getattr(entry, "methods", None)
