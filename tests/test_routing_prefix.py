"""Skipping routers by the path's beginning (server/http/routing.py) chooses exactly the route
a full walk of the routers chooses: for every route's path, with its methods and others,
with and without a trailing slash, and for paths no route has."""

from __future__ import annotations

import re

import pytest
from fastapi import routing as fastapi_routing
from fastapi.testclient import TestClient
from starlette.routing import Match

import server.app as app_module
from server.app import create_app
from tests.route_table import all_routes

SAMPLE = {"id": "12", "path": "a/b.css", "open311_format": "json"}
PARAM = re.compile(r"\{([^}:]+)(?::([^}]+))?\}")
METHODS = ("GET", "POST", "PATCH", "DELETE")
UNKNOWN = ["/", "/nothing", "/api", "/api/", "/api/v1", "/api/v1/nothing", "/apix", "/open311", "/static",
           "/menu", "/menu/", "/desk/", "/requests/12/nothing"]


def _concrete(path: str) -> str:
    return PARAM.sub(lambda m: SAMPLE.get(m.group(2) or "", "abc"), path)


def _resolve(app, method: str, path: str) -> tuple:
    """What the application's router picks for this request: the kind of match and the route,
    down through the included routers, as FastAPI's own walk does it."""
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": [], "query_string": b""}
    partial = None
    for route in app.router.routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return Match.FULL, _leaf(route, scope)
        if match == Match.PARTIAL and partial is None:
            partial = route
    if partial is not None:
        return Match.PARTIAL, _leaf(partial, scope)
    return Match.NONE, None


def _leaf(route, scope) -> tuple:
    while isinstance(route, fastapi_routing._IncludedRouter):
        _, _, route, context = route._match(scope)
    endpoint = getattr(route, "endpoint", None)
    return getattr(route, "path", None), getattr(endpoint, "__qualname__", None), type(route).__name__


@pytest.fixture
def apps(settings, database, monkeypatch):
    fast = create_app(settings, database)
    monkeypatch.setattr(app_module, "skip_routers_by_prefix", lambda router: None)
    walked = create_app(settings, database)
    return fast, walked


def test_the_same_route_is_chosen_with_and_without_skipping(apps):
    fast, walked = apps
    paths = set(UNKNOWN)
    for info in all_routes(walked):
        path = _concrete(info.path) or "/"
        paths |= {path, path.rstrip("/") or "/", path + "/"}
    assert len(paths) > 200
    compared = 0
    for path in sorted(paths):
        for method in METHODS:
            expected = _resolve(walked, method, path)
            assert _resolve(fast, method, path) == expected, (method, path)
            compared += expected[0] != Match.NONE
    assert compared > 300  # the sample paths do reach their routes


def test_routers_that_cannot_hold_the_path_are_not_walked(apps, monkeypatch):
    calls = []
    real = fastapi_routing.APIRoute.matches
    monkeypatch.setattr(fastapi_routing.APIRoute, "matches", lambda route, scope: calls.append(1) or real(route, scope))
    counts = []
    for app in apps:  # skipping, then walking
        calls.clear()
        assert _resolve(app, "GET", "/desk")[0] == Match.FULL
        counts.append(len(calls))
    assert counts[0] * 5 < counts[1], counts


def test_an_error_status_is_unchanged(apps):
    with TestClient(apps[0]) as client:
        assert client.get("/api/v1/nothing").status_code == 404
        response = client.patch("/api/v1/requests")
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, POST"


def test_an_included_routers_version_is_remembered_until_its_own_routes_change(monkeypatch):
    """FastAPI asks an included router's version at every step of a match, each time walking
    it and every router below; after skip_routers_by_prefix it answers from memory, and still
    sees a route added to it later (within the paths it had: see the module's docstring)."""
    from fastapi import APIRouter, FastAPI

    from server.http.routing import skip_routers_by_prefix

    inner, outer = APIRouter(prefix="/inner"), APIRouter(prefix="/outer")
    inner.add_api_route("/{x}", lambda x: {"got": x}, methods=["GET"])
    outer.include_router(inner)
    app = FastAPI()
    app.include_router(outer)
    skip_routers_by_prefix(app.router)

    walks = []
    real = fastapi_routing.APIRouter._get_routes_version
    monkeypatch.setattr(fastapi_routing.APIRouter, "_get_routes_version",
                        lambda router, seen=None: walks.append(router) or real(router, seen))
    with TestClient(app) as client:
        assert client.get("/outer/inner/a").json() == {"got": "a"}
        assert client.post("/outer/inner/a").status_code == 405
        assert inner not in walks and outer not in walks  # answered from memory
        inner.add_api_route("/{x}", lambda x: {"posted": x}, methods=["POST"])
        assert client.post("/outer/inner/a").json() == {"posted": "a"}  # the change is seen
