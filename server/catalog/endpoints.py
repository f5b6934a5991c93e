from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header

from server.api.deps import DatabaseDep, PersonDep
from server.catalog import repository
from server.catalog.schemas import FieldOut, ServiceDetail, ServiceOut
from server.errors import NotFound
from server.i18n_locale import negotiate

router = APIRouter(prefix="/services", tags=["services"])

AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language")]


@router.get("", response_model=list[ServiceOut], summary="The service menu")
def list_services(database: DatabaseDep, person: PersonDep, accept_language: AcceptLanguage = None) -> list[ServiceOut]:
    locale = negotiate(accept_language)
    with database.read() as session:
        categories = repository.categories_by_id(session)
        departments = repository.departments_by_id(session)
        return [
            ServiceOut.of(s, categories[s.category_id], departments.get(s.department_id), locale)
            for s in repository.list_services(session)
        ]


@router.get("/{code}", response_model=ServiceDetail, summary="One service with its form fields")
def get_service(code: str, database: DatabaseDep, person: PersonDep, accept_language: AcceptLanguage = None) -> ServiceDetail:
    locale = negotiate(accept_language)
    with database.read() as session:
        service = repository.get_service(session, code)
        if service is None:
            raise NotFound("No service {code}.", {"code": code})
        categories = repository.categories_by_id(session)
        department = repository.get_department(session, id=service.department_id) if service.department_id else None
        base = ServiceOut.of(service, categories[service.category_id], department, locale)
        return ServiceDetail(**base.model_dump(), fields=[FieldOut.of(f, locale) for f in service.fields])
