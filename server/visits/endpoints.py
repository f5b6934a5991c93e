"""The JSON API of visits and the visit plan: a thin door onto the visits service, with the
pages' visibility (an enterprise's contact sees its visits without the internal notes, staff
their department's plan and visits, dispatchers, supervisors and admins everything)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status

from server import policy
from server.accounts import people_repository
from server.api.deps import DatabaseDep, PersonDep
from server.catalog import snapshot
from server.errors import Forbidden, InvalidInput, Msg
from server.i18n_locale import negotiate
from server.requests import presenters as request_presenters
from server.requests import service as request_service
from server.requests.schemas import RequestOut
from server.visits import presenters, repository
from server.visits import service as visit_service
from server.visits.rules import parse_filters
from server.visits.schemas import NeedBody, PlanBody, PlanLineOut, VisitBody, VisitOut, VisitPage

router = APIRouter(prefix="/visits", tags=["visits"])
AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language", include_in_schema=False)]
VisitId = Annotated[int, Path(description="The visit's id")]
ERRORS = {
    401: {"description": "Not signed in"},
    403: {"description": "Not allowed for you"},
    404: {"description": "No such visit that you may see"},
    422: {"description": "Invalid input, with a message per field"},
}


def _require_visits(person) -> None:
    if not policy.may_open_visits(person):
        raise Forbidden("The visits are for the centre's staff and the enterprises' contacts.")


def _json(model, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = model.model_dump_json() if hasattr(model, "model_dump_json") else model
    return Response(body, status_code=status_code, headers=headers, media_type="application/json")


@router.get("", response_model=VisitPage, summary="Visits you may see, newest first", responses=ERRORS)
def list_visits(
    request: Request, database: DatabaseDep, person: PersonDep,
    enterprise: Annotated[str | None, Query(max_length=12, description="An enterprise id")] = None,
    department: Annotated[str | None, Query(max_length=12, description="The responsible department's id")] = None,
    from_: Annotated[str | None, Query(alias="from", max_length=10, description="YYYY-MM-DD, inclusive")] = None,
    to: Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD, inclusive")] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
) -> VisitPage:
    _require_visits(person)
    filters = parse_filters(request.query_params)
    with database.read() as session:
        page = repository.visits_page(session, person, cursor=cursor, limit=limit, **filters.as_kwargs())
        return VisitPage(items=presenters.visits(session, person, page.rows), next_cursor=page.next_cursor)


@router.post("", response_model=VisitOut, status_code=status.HTTP_201_CREATED, summary="Log a visit",
             responses=ERRORS)
def create_visit(body: VisitBody, database: DatabaseDep, person: PersonDep) -> Response:
    _require_visits(person)
    data = visit_service.VisitInput(
        enterprise_id=body.enterprise_id, visited_on=body.visited_on, staff_usernames=body.staff,
        met_with=body.met_with, topics=body.topics, findings=body.findings, internal_notes=body.internal_notes,
        follow_ups=body.follow_ups,
    )

    def work(session):
        visit = visit_service.record_visit(session, person, data)
        return presenters.visits(session, person, [visit], photos=True)[0]

    out = database.run(work)
    return _json(out, status.HTTP_201_CREATED, {"Location": f"/api/v1/visits/{out.id}"})


@router.get("/plan", response_model=list[PlanLineOut], summary="The visit plan, overdue first",
            responses=ERRORS)
def get_plan(
    database: DatabaseDep, person: PersonDep,
    department: Annotated[str | None, Query(max_length=40, description="A department code (overseers only)")] = None,
    accept_language: AcceptLanguage = None,
) -> list[PlanLineOut]:
    with database.read() as session:
        department_id = None
        if department:
            found = snapshot.load(session).department(department)
            if found is None:
                raise InvalidInput("Please check the filters.", {"department": Msg("Unknown department.")})
            department_id = found.id
        lines = visit_service.plan_lines(session, person, department_id=department_id)
        return presenters.plan_lines(session, lines, negotiate(accept_language))


@router.put("/plan/{enterprise_id:id}", response_model=PlanLineOut, summary="Set an enterprise's visit plan",
            responses=ERRORS)
def set_plan(enterprise_id: Annotated[int, Path(description="The enterprise's id")], body: PlanBody,
             database: DatabaseDep, person: PersonDep, accept_language: AcceptLanguage = None) -> PlanLineOut:
    if not policy.may_manage_visit_plan(person):
        raise Forbidden("Only the centre's dispatchers and admins change the visit plan.")

    def work(session):
        errors: dict[str, str] = {}
        department_id = person_id = None
        if body.responsible_department:
            found = snapshot.load(session).department(body.responsible_department)
            if found is None:
                errors["responsible_department"] = Msg("Unknown department.")
            else:
                department_id = found.id
        if body.responsible_person:
            found_person = people_repository.person_by_username(session, body.responsible_person)
            if found_person is None:
                errors["responsible_person"] = Msg("There is no account {username}.", username=body.responsible_person)
            else:
                person_id = found_person.id
        if errors:
            raise InvalidInput("Some answers need attention.", errors)
        data = visit_service.PlanInput(frequency=body.frequency, responsible_department_id=department_id,
                                       responsible_person_id=person_id, starts_on=body.starts_on, note=body.note)
        try:
            visit_service.set_plan(session, person, enterprise_id, data)
        except InvalidInput as exc:
            names = {"responsible_department_id": "responsible_department", "responsible_person_id": "responsible_person"}
            raise InvalidInput(exc.message, {names.get(k, k): v for k, v in exc.errors.items()}) from exc
        line = visit_service.compute_plan(session, enterprise_ids=[enterprise_id])
        return presenters.plan_lines(session, line, negotiate(accept_language))[0]

    return _json(database.run(work))


@router.get("/{visit_id:id}", response_model=VisitOut, summary="One visit, with the requests filed from it",
            responses=ERRORS)
def get_visit(visit_id: VisitId, database: DatabaseDep, person: PersonDep) -> VisitOut:
    _require_visits(person)
    with database.read() as session:
        visit = visit_service.get_visit(session, person, visit_id)
        return presenters.visits(session, person, [visit], photos=True)[0]


@router.post("/{visit_id:id}/needs", response_model=RequestOut, status_code=status.HTTP_201_CREATED,
             summary="File a need found on the visit as a request for the enterprise", responses=ERRORS)
def file_need(visit_id: VisitId, body: NeedBody, database: DatabaseDep, person: PersonDep,
              idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
              accept_language: AcceptLanguage = None) -> Response:
    _require_visits(person)
    data = request_service.SubmitInput(service_code=body.service_code, description=body.description,
                                       contact_phone=body.contact_phone, answers=body.answers)
    locale = negotiate(accept_language)

    def work(session):
        visit = visit_service.get_visit(session, person, visit_id)
        request = visit_service.file_need(session, person, visit, data, idempotency_key=idempotency_key)
        return request_presenters.detail(session, person, request, locale)

    out = database.run(work)
    return _json(out, status.HTTP_201_CREATED, {"Location": f"/api/v1/requests/{out.number}"})
