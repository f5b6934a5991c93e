"""Every route checks who is asking, unless it is public by name on the list below: a new
route without an authorisation dependency fails here, before anyone can reach it."""

from __future__ import annotations

from server.api.deps import caller, current_person
from server.api.docs import may_read_docs
from server.app import create_app
from server.http.csrf import LEFT_TO_PAGE_MARK
from server.open311.endpoints import open311_caller
from server.web.deps import page_person
from tests.route_table import all_routes, dependency_calls

# Open to anyone, and why.
PUBLIC = {
    ("GET", "/healthz"),  # a load balancer's probe: says nothing but "up"
    ("GET", "/readyz"),
    ("POST", "/api/v1/auth/token"),  # signing in
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),  # ends whatever session the cookie names (CSRF-checked)
    ("GET", "/lang/{locale}"),  # the language cookie
    ("", "/static"),  # css, js, vendored files
    # Open311 GeoReport v2: its GETs are public by the specification and show only public
    # fields (tests/open311/test_privacy.py); its POST checks the api_key (open311_caller).
    ("GET", "/open311/discovery.{fmt:open311_format}"),
    ("GET", "/open311/v2/discovery.{fmt:open311_format}"),
    ("GET", "/open311/v2/services.{fmt:open311_format}"),
    ("GET", "/open311/v2/services/{service_code}.{fmt:open311_format}"),
    ("GET", "/open311/v2/requests.{fmt:open311_format}"),
    ("GET", "/open311/v2/requests/{service_request_id}.{fmt:open311_format}"),
    ("GET", "/open311/v2/tokens/{token}.{fmt:open311_format}"),
    # Calendar apps send no cookie: the secret feed token in the path is the credential.
    ("GET", "/calendar/{token}/mine.ics"),
    ("GET", "/calendar/{token}/programme.ics"),
}
# Who may ask: the signed-in person of a page or of the API; the API docs by their setting.
# `caller` leaves the check to the endpoint's own transaction (Caller.person_in), for the
# hot paths listed here only: tests/api/test_submit_caller.py shows they refuse as
# current_person does.
AUTHORISING = {page_person, current_person, may_read_docs, open311_caller}
CHECKED_IN_THEIR_TRANSACTION = {("POST", "/api/v1/requests"), ("GET", "/api/v1/requests")}
# Pages that resolve the session in their own unit of work (server.http.session.page_person_in),
# marked so: tests/requests/pages/test_order_session.py and test_desk_session.py show they
# refuse as page_person does.
PAGES_CHECKED_IN_THEIR_TRANSACTION = {("POST", "/menu/{code}"), ("GET", "/desk")}


def _routes():
    routes = list(all_routes(create_app()))
    assert len(routes) > 50  # the walk really reaches the included routers
    return routes


def test_every_route_is_public_by_name_or_checks_the_caller():
    unchecked = []
    for info in _routes():
        methods = info.methods or {""}
        if all((m, info.path) in PUBLIC for m in methods):
            continue
        calls = dependency_calls(info.route)
        if all((m, info.path) in CHECKED_IN_THEIR_TRANSACTION for m in methods) and caller in calls:
            continue
        if (all((m, info.path) in PAGES_CHECKED_IN_THEIR_TRANSACTION for m in methods)
                and getattr(getattr(info.route, "endpoint", None), LEFT_TO_PAGE_MARK, False)):
            continue
        if not AUTHORISING & calls:
            unchecked.append(f"{sorted(methods)} {info.path}")
    assert unchecked == []


def test_the_public_list_names_only_routes_that_exist():
    present = {(m, info.path) for info in _routes() for m in (info.methods or {""})}
    assert present >= PUBLIC
