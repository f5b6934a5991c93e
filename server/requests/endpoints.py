"""The JSON API of requests: a thin door onto the request service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from pydantic import BaseModel

from server import workflow
from server.api.deps import CallerDep, DatabaseDep, PersonDep
from server.enums import Action, RequestStatus
from server.errors import Conflict, NotFound
from server.i18n_locale import negotiate
from server.requests import finder, presenters, repository, supervision
from server.requests import service as request_service
from server.requests.schemas import (
    ActionBody,
    EventOut,
    MessageBody,
    OverduePage,
    RequestOut,
    RequestPage,
    SubmitBody,
)

router = APIRouter(prefix="/requests", tags=["requests"])

AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language", include_in_schema=False)]

# Actions a person may ask for through the API (the system takes the others itself).
PERSON_ACTIONS = [a for a in Action if a in workflow.PERSON_ACTIONS]

ERRORS = {
    401: {"description": "Not signed in"},
    403: {"description": "Not allowed for you"},
    404: {"description": "No such request that you may see"},
    409: {"description": "Wrong state or stale version; the body carries the current state"},
    422: {"description": "Invalid input, with a message per field"},
}


@router.post(
    "",
    response_model=RequestOut,
    status_code=status.HTTP_201_CREATED,
    summary="File a request (点单)",
    responses={200: {"model": RequestOut, "description": "Replayed: the same Idempotency-Key and body again"}, **ERRORS},
)
def submit_request(
    body: SubmitBody,
    database: DatabaseDep,
    caller: CallerDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
    accept_language: AcceptLanguage = None,
) -> RequestOut:
    locale = negotiate(accept_language)
    data = request_service.SubmitInput(**body.model_dump())

    def work(session):
        # The busiest write: who asks is checked in its own transaction, not a read before it.
        person = caller.person_in(session)
        result = request_service.submit(session, person, data, idempotency_key=idempotency_key)
        return result.replayed, presenters.read_detail(session, person, result.request)

    replayed, build = database.run(work)
    out = build(locale)  # past the write: SQLite's write lock is not held for it
    headers = {"Location": f"/api/v1/requests/{out.number}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return _json(out, status.HTTP_200_OK if replayed else status.HTTP_201_CREATED, headers)


def _json(model: BaseModel, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Send a response model we built ourselves as is: FastAPI would validate it again
    against ``response_model`` (still used for the OpenAPI document), a cost on hot paths."""
    return Response(model.model_dump_json(), status_code=status_code, headers=headers, media_type="application/json")


Text = Annotated[str | None, Query(max_length=100)]
Ref = Annotated[str | None, Query(max_length=60, description="An id (or a code)")]


@router.get("", response_model=RequestPage, summary="Requests you may see (the request finder)", responses=ERRORS)
def list_requests(
    request: Request,
    database: DatabaseDep,
    caller: CallerDep,
    q: Annotated[str | None, Query(max_length=100, description="Tracking number, requester, phone, enterprise or text")] = None,
    status_: Annotated[list[str] | None, Query(alias="status", description="Repeatable: " + ", ".join(RequestStatus))] = None,
    service: Ref = None,
    category: Ref = None,
    department: Ref = None,
    building: Ref = None,
    enterprise: Annotated[str | None, Query(max_length=20, description="An enterprise id")] = None,
    flag: Annotated[str | None, Query(max_length=10, description="blue, yellow or red")] = None,
    overdue: Annotated[str | None, Query(max_length=10, description="claim, complete (or true: either)")] = None,
    from_: Annotated[str | None, Query(alias="from", max_length=10, description="YYYY-MM-DD, inclusive")] = None,
    to: Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD, inclusive")] = None,
    date: Annotated[str | None, Query(max_length=10, description="submitted (default), due or completed")] = None,
    mine: Annotated[str | None, Query(max_length=5, description="Only what I filed")] = None,
    assigned: Annotated[str | None, Query(max_length=5, description="Only tasks assigned to me")] = None,
    sort: Annotated[str | None, Query(max_length=10, description="newest (default), oldest or due")] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    accept_language: AcceptLanguage = None,
) -> RequestPage:
    # The parameters above document the query string; the finder reads it, as the page does.
    with database.read() as session:
        # The queue's read: who asks is checked in the same read (one thread hop, one
        # transaction), which keeps 32 clients from being slower than one.
        person = caller.person_in(session)
        filters = finder.parse(session, request.query_params)
        found = finder.find(session, person, filters, cursor=cursor, limit=limit)
        page = RequestPage(items=presenters.summaries(session, found.rows, negotiate(accept_language)), next_cursor=found.next_cursor)
    return _json(page)


@router.get("/{number}", response_model=RequestOut, summary="One request", responses=ERRORS)
def get_request(
    number: Annotated[str, Path(max_length=24)], database: DatabaseDep, person: PersonDep, accept_language: AcceptLanguage = None
) -> RequestOut:
    with database.read() as session:
        request = repository.get_visible(session, person, number)
        return presenters.detail(session, person, request, negotiate(accept_language))


@router.get("/{number}/events", response_model=list[EventOut], summary="A request's history", responses=ERRORS)
def get_events(number: Annotated[str, Path(max_length=24)], database: DatabaseDep, person: PersonDep) -> list[EventOut]:
    with database.read() as session:
        request = repository.get_visible(session, person, number)
        return presenters.events(session, person, request)


@router.post(
    "/{number}/messages",
    response_model=EventOut,
    status_code=status.HTTP_201_CREATED,
    summary="Write on a request's conversation (沟通留言); listed with its events",
    responses={200: {"model": EventOut, "description": "Replayed: the same Idempotency-Key and body again"}, **ERRORS},
)
def post_message(
    number: Annotated[str, Path(max_length=24)],
    body: MessageBody,
    database: DatabaseDep,
    person: PersonDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> EventOut:
    """A message changes nothing of the request (state, version, clocks). Everyone who may see
    the request may write; ``internal`` (for staff only) needs its internal history."""

    def work(session):
        request = repository.get_visible(session, person, number)
        posted = request_service.post_message(session, person, request, body.text, internal=body.internal,
                                              idempotency_key=idempotency_key)
        return posted.replayed, presenters.event(session, posted.event)

    replayed, out = database.run(work)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return _json(out, status.HTTP_200_OK if replayed else status.HTTP_201_CREATED, headers)


@router.post("/{number}/{action}", response_model=RequestOut, summary="Take an action on a request", responses=ERRORS)
def take_action(
    number: Annotated[str, Path(max_length=24)],
    # Documented as the enum it is; any other word is a 404 (no such action), like a wrong path.
    action: Annotated[str, Path(description="The action to take", json_schema_extra={"enum": [a.value for a in PERSON_ACTIONS]})],
    database: DatabaseDep,
    person: PersonDep,
    body: ActionBody | None = None,
    accept_language: AcceptLanguage = None,
) -> RequestOut:
    try:
        chosen = Action(action)
    except ValueError:
        raise NotFound("There is no action called {action}.", {"action": action}) from None
    if chosen not in workflow.PERSON_ACTIONS:
        raise NotFound("There is no action called {action}.", {"action": action})
    body = body or ActionBody()
    data = request_service.ActionInput(
        note=body.note or body.comment,
        department_code=body.department,
        assignee=body.assignee,
        days=body.days,
        rating=body.rating,
        internal=body.internal,
    )
    locale = negotiate(accept_language)

    def work(session):
        request = repository.get_visible(session, person, number)
        request_service.perform(session, person, request, chosen, data, expected_version=body.version)
        return presenters.detail(session, person, request, locale)

    try:
        return _json(database.run(work))
    except Conflict as exc:
        if "current_status" not in exc.extra:
            # Lost a race at UPDATE time: tell the caller what the request looks like now.
            with database.read() as session:
                current = repository.get_visible(session, person, number)
                exc.extra.update(request_service.current_state(session, current))
        raise


# --- supervision 督办 ---------------------------------------------------------------------------

supervision_router = APIRouter(prefix="/supervision", tags=["supervision"])


@supervision_router.get(
    "/overdue",
    response_model=OverduePage,
    summary="Requests overdue to claim or to complete, longest overdue first",
    responses=ERRORS,
)
def list_overdue(
    database: DatabaseDep,
    person: PersonDep,
    kind: Annotated[str, Query(pattern="^(claim|complete)$")] = "claim",
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    accept_language: AcceptLanguage = None,
) -> OverduePage:
    """Supervisors and admins see every department's, a department lead their own; anyone
    else is refused (403). Urge them with ``POST /api/v1/requests/{number}/urge`` and a note."""
    with database.read() as session:
        page = supervision.overdue_list(session, person, kind, cursor=cursor, limit=limit)
        items = supervision.overdue_items(session, page.rows, kind, negotiate(accept_language))
    return _json(OverduePage(kind=kind, items=items, next_cursor=page.next_cursor))
