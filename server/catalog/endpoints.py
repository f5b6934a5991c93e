from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header

from server.api.deps import DatabaseDep, PersonDep
from server.catalog import snapshot
from server.catalog.schemas import FieldOut, ServiceDetail, ServiceOut
from server.errors import NotFound
from server.i18n_locale import negotiate

router = APIRouter(prefix="/services", tags=["services"])

AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language")]


@router.get("", response_model=list[ServiceOut], summary="The service menu (services that can be ordered)")
def list_services(database: DatabaseDep, person: PersonDep, accept_language: AcceptLanguage = None) -> list[ServiceOut]:
    locale = negotiate(accept_language)
    with database.read() as session:
        catalog = snapshot.load(session)
    return [
        ServiceOut.of(s, catalog.categories[s.category_id], catalog.departments.get(s.department_id), locale)
        for s in catalog.ordered_services()
    ]


@router.get("/{code}", response_model=ServiceDetail, summary="One service with its form fields",
            responses={404: {"description": "No such service"}})
def get_service(code: str, database: DatabaseDep, person: PersonDep, accept_language: AcceptLanguage = None) -> ServiceDetail:
    locale = negotiate(accept_language)
    with database.read() as session:
        catalog = snapshot.load(session)
    service = catalog.service(code)
    if service is None:
        raise NotFound("No service {code}.", {"code": code})
    base = ServiceOut.of(service, catalog.categories[service.category_id], catalog.departments.get(service.department_id), locale)
    # Retired on its own or with its category: either way it cannot be ordered.
    base.retired = not catalog.is_orderable(service)
    return ServiceDetail(**base.model_dump(), fields=[FieldOut.of(f, locale) for f in service.fields])
