"""The world, the people and the two doors that ``tests/test_door_parity.py`` compares.

One world per test module: ten kinds of person around the requests of one requester, one
request in each state to try refused actions on (a refusal changes nothing, so they can all
share it), and a pool of fresh requests for the attempts that are let through (each gets its
own, so no attempt sees another's change). The doors are reached from outside only: the JSON
API with a bearer token, the pages with the session cookie and the form's CSRF token, exactly
as a program and a browser would.
"""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from server.accounts.people_repository import person_by_username as get_person_by_username
from server.app import create_app
from server.config import get_settings
from server.db import Database
from server.enums import Action, Party, RequestStatus, Role
from server.models import Building, Category, Enterprise, Person, RequestEvent, ServiceRequest
from server.requests import service as request_service
from tests.conftest import TEST_DATABASE_URL, _reset_pg
from tests.factories import PASSWORD, create_department, create_person, create_service

S, A, P = RequestStatus, Action, Party

# --- the people ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A kind of person, as the matrix names them, and the account that plays it."""

    name: str
    username: str
    roles: tuple[Role, ...]
    department: str | None = None
    enterprise: str | None = None


KINDS: tuple[Kind, ...] = (
    Kind("requester", "member1", (Role.member,), enterprise="E1"),
    Kind("contact", "contact1", (Role.contact,), enterprise="E1"),  # of the requester's enterprise
    Kind("outsider", "member2", (Role.member,), enterprise="E2"),  # a member of another enterprise
    Kind("staff", "staff1", (Role.staff,), department="union"),  # of the holding department
    Kind("assignee", "staff2", (Role.staff,), department="union"),  # holds the task once claimed
    Kind("lead", "lead1", (Role.lead, Role.staff), department="union"),
    Kind("other-staff", "staff9", (Role.staff,), department="youth"),  # of another department
    Kind("dispatcher", "dispatcher1", (Role.dispatcher,)),
    Kind("supervisor", "supervisor1", (Role.supervisor,)),
    Kind("admin", "admin1", (Role.admin,)),
)
KIND = {k.name: k for k in KINDS}

# --- the requests: one per state, and how each got there --------------------------------------

ROUTED, UNROUTED = "union.help", "misc.other"  # to the union's open queue; dispatcher decides
# How a request reaches each state from its submission: (service, [(kind, action, inputs)]).
PATHS: dict[RequestStatus, tuple[str, list[tuple[str, Action, dict]]]] = {
    S.submitted: (UNROUTED, []),
    S.rejected: (UNROUTED, [("dispatcher", A.reject, {"note": "Not ours to do."})]),
    S.dispatched: (ROUTED, []),
    S.cancelled: (ROUTED, [("requester", A.cancel, {"note": "Sorted it myself."})]),
    S.claimed: (ROUTED, [("assignee", A.claim, {})]),
    S.suspended: (ROUTED, [("assignee", A.claim, {}), ("assignee", A.suspend, {"note": "Waiting for papers."})]),
    S.completed: (ROUTED, [("assignee", A.claim, {}), ("assignee", A.complete, {"note": "Done."})]),
    S.closed: (ROUTED, [("assignee", A.claim, {}), ("assignee", A.complete, {"note": "Done."}),
                        ("requester", A.rate, {"rating": "satisfied"})]),
}
STATES = tuple(PATHS)


def holds(state: RequestStatus) -> tuple[str | None, str | None]:
    """(the holding department, the assignee's kind) of the request made in ``state``."""
    service, steps = PATHS[state]
    department = "union" if service == ROUTED else None
    assignee = "assignee" if any(action == A.claim for _, action, _ in steps) else None
    return department, assignee


# --- the world -------------------------------------------------------------------------------


def build_world(database: Database) -> None:
    """Departments union and youth (open queues, so no attempt is followed by a routing
    assignment) and retired ``old``; the services; the ten people of :data:`KINDS`."""
    with database.write() as session:
        building = Building(code="A1", name={"zh-Hans": "A1栋"}, floors=["1", "2", "3"])
        session.add(building)
        session.flush()
        enterprises = {name: Enterprise(name=name, building_id=building.id, floor="2") for name in ("E1", "E2")}
        category = Category(code="mass", name={"zh-Hans": "群团服务", "en": "Mass"})
        session.add_all([*enterprises.values(), category])
        session.flush()
        departments = {code: create_department(session, code) for code in ("union", "youth", "old")}
        departments["old"].active = False
        create_service(session, ROUTED, category, departments["union"])
        create_service(session, UNROUTED, category, None)
        for kind in KINDS:
            create_person(
                session, kind.username, *kind.roles,
                department=departments.get(kind.department), enterprise=enterprises.get(kind.enterprise),
            )


def make_requests(database: Database, states: list[RequestStatus]) -> list[str]:
    """New requests, one per entry of ``states``, each taken there through the service; all in
    one transaction (one commit for the lot)."""
    with database.write() as session:
        people = {k.name: get_person_by_username(session, k.username) for k in KINDS}
        numbers = []
        for state in states:
            service, steps = PATHS[state]
            data = request_service.SubmitInput(service_code=service, description="请帮忙")
            request = request_service.submit(session, people["requester"], data).request
            for kind, action, inputs in steps:
                request_service.perform(session, people[kind], request, action, request_service.ActionInput(**inputs))
            assert request.status == state, (state, request.status)
            numbers.append(request.number)
        return numbers


Event = tuple  # (action, from, to, public, actor's username, note)


def events_after(session: Session, number: str, after_event: int = 0) -> tuple[RequestStatus, int, tuple[Event, ...]]:
    """The request's state and version now, and its events after the event ``after_event``."""
    request = session.scalar(select(ServiceRequest).where(ServiceRequest.number == number))
    rows = session.execute(
        select(RequestEvent.action, RequestEvent.from_status, RequestEvent.to_status, RequestEvent.public,
               Person.username, RequestEvent.note)
        .outerjoin(Person, Person.id == RequestEvent.actor_id)
        .where(RequestEvent.request_id == request.id, RequestEvent.id > after_event)
        .order_by(RequestEvent.id)
    ).all()
    return RequestStatus(request.status), request.version, tuple(tuple(row) for row in rows)


_MARK = (
    select(ServiceRequest.version, func.coalesce(func.max(RequestEvent.id), 0))
    .outerjoin(RequestEvent, RequestEvent.request_id == ServiceRequest.id)
    .where(ServiceRequest.number == bindparam("number"))
    .group_by(ServiceRequest.id)
)


def mark(session: Session, number: str) -> tuple[int, int]:
    """(version, id of the last event): one cheap look to tell whether anything changed."""
    version, last_event = session.execute(_MARK, {"number": number}).one()
    return version, last_event


@dataclass
class Requests:
    """The shared request of each state (for refusals) and pools of fresh ones (for attempts
    that change something). A shared request that some door changed after all is replaced."""

    database: Database
    shared: dict[RequestStatus, str] = field(default_factory=dict)
    marks: dict[str, tuple[int, int]] = field(default_factory=dict)
    pools: dict[RequestStatus, list[str]] = field(default_factory=lambda: defaultdict(list))

    def fill(self, wanted: dict[RequestStatus, int]) -> None:
        missing = [s for s in STATES if s not in self.shared]
        numbers = iter(make_requests(self.database, missing + [s for s, n in wanted.items() for _ in range(n)]))
        for state in missing:
            self.shared[state] = number = next(numbers)
            with self.database.read() as session:
                self.marks[number] = mark(session, number)
        for state, n in wanted.items():
            self.pools[state].extend(next(numbers) for _ in range(n))

    def fresh(self, state: RequestStatus) -> str:
        if not self.pools[state]:
            self.fill({state: 4})
        return self.pools[state].pop()

    def unchanged(self, state: RequestStatus) -> bool:
        """Is the shared request of ``state`` as it was made? If not, it is replaced."""
        number = self.shared[state]
        with self.database.read() as session:
            if mark(session, number) == self.marks[number]:
                return True
        del self.shared[state]
        self.fill({})
        return False


# --- the doors -------------------------------------------------------------------------------

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Reply:
    """What a door answered, reduced to what the matrix compares."""

    door: str
    status: int
    body: str

    @property
    def outcome(self) -> str:
        """``allowed``, or the status of the refusal: 403 forbidden, 404 not visible, 409
        wrong state, 422 bad input. An allowed page action answers a browser with 303 back to
        the page (or to the desk), and htmx with 200: the fragment, or an HX-Redirect."""
        allowed = 303 if self.door == "page" else 200
        return "allowed" if self.status == allowed else str(self.status)


# The API with a bearer token (programs) and with the browser's session cookie plus the
# X-CSRF-Token header; the request page's panel form posted by a browser without script, and
# by htmx.
DOORS = ("api", "api-cookie", "page", "htmx")
BROWSER_DOORS = ("api-cookie", "page", "htmx")  # the doors a signed-in browser uses


class Doors:
    """One TestClient for everyone; each call carries one person's credentials."""

    def __init__(self, client: TestClient):
        self.client = client
        self.tokens: dict[str, str] = {}
        self.sessions: dict[str, tuple[dict[str, str], str]] = {}  # username → (cookies, CSRF token)

    def sign_in(self, username: str) -> None:
        client = self.client
        response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        self.tokens[username] = response.json()["access_token"]
        client.cookies.clear()
        login = client.get("/login")
        form = {"username": username, "password": PASSWORD, "next": "/", "csrf_token": csrf_in(login.text)}
        assert client.post("/login", data=form, follow_redirects=False).status_code == 303
        cookies = dict(client.cookies)
        token = csrf_in(client.get("/requests").text)
        self.sessions[username] = (cookies, token)
        client.cookies.clear()

    def post(self, username: str, url: str, form: dict) -> tuple[int, str, dict]:
        """A browser's form post as ``username``: the session cookie and the form's CSRF token."""
        cookies, token = self.sessions[username]
        client = self.client
        client.cookies.update(cookies)
        try:
            response = client.post(url, data={**form, "csrf_token": token}, follow_redirects=False)
        finally:
            client.cookies.clear()
        return response.status_code, response.text, dict(response.headers)

    def act(self, door: str, username: str, number: str, action: str, inputs: dict, version) -> Reply:
        """Take ``action`` through ``door`` with the same inputs: a JSON body for the API, the
        panel's form (as the page's inputs and hidden fields name them) for the pages. An
        input that is None or False is left out, as an empty field or an unticked box is."""
        client = self.client
        given = {k: v for k, v in inputs.items() if v is not None and v is not False}
        headers: dict[str, str] = {}
        cookies: dict[str, str] = {}
        if door in BROWSER_DOORS:
            cookies, token = self.sessions[username]
            headers["X-CSRF-Token"] = token
        if door in ("api", "api-cookie"):
            body = {**given, **({"version": version} if version is not None else {})}
            if door == "api":
                headers = {"Authorization": f"Bearer {self.tokens[username]}"}
            request = {"url": f"/api/v1/requests/{number}/{action}", "json": body}
        else:
            form = {k: _form_value(k, v) for k, v in given.items()}
            if version is not None:
                form["version"] = str(version)
            form["csrf_token"] = headers["X-CSRF-Token"]
            if door == "htmx":
                headers["HX-Request"] = "true"
            else:
                del headers["X-CSRF-Token"]  # a plain form carries it as a field only
            request = {"url": f"/requests/{number}/actions/{action}", "data": form, "follow_redirects": False}
        client.cookies.update(cookies)
        try:
            response = client.post(headers=headers, **request)
        finally:
            client.cookies.clear()
        return Reply(door, response.status_code, response.text)


def _form_value(name: str, value) -> str:
    return "1" if name == "internal" else str(value)  # the checkbox's value="1" when ticked


def csrf_in(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "no csrf_token field in the page"
    return match.group(1)


# --- the fixture -----------------------------------------------------------------------------


@dataclass
class Parity:
    url: str
    doors: Doors
    requests: Requests


@pytest.fixture(scope="module", name="parity")
def parity_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parity]:
    """``parity``: one world for a whole test module (import ``parity_world`` to use it): the app on its own database (a copy of the migrated
    SQLite template, or the session's PostgreSQL database, reset afterwards), everyone signed
    in to every door, and the requests. A module sets ``PARITY_FRESH`` ({state: n}) to have
    the fresh requests it will use made in one go."""
    tmp = tmp_path_factory.mktemp("parity")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LIANXIN_DATA_DIR", str(tmp / "data"))
        get_settings.cache_clear()
        settings = get_settings()
        if TEST_DATABASE_URL:
            baseline = request.getfixturevalue("_pg_session_database")
            url = baseline.url
        else:
            shutil.copyfile(request.getfixturevalue("_sqlite_template"), tmp / "parity.db")
            url = f"sqlite:///{tmp / 'parity.db'}"
        database = Database(url, settings)
        try:
            build_world(database)
            requests = Requests(database)
            requests.fill(getattr(request.module, "PARITY_FRESH", {}))
            with TestClient(create_app(settings, database)) as client:
                doors = Doors(client)
                for kind in KINDS:
                    doors.sign_in(kind.username)
                yield Parity(url, doors, requests)
        finally:
            database.dispose()
            if TEST_DATABASE_URL:
                _reset_pg(baseline)
            get_settings.cache_clear()
