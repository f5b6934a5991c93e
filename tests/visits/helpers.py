"""Doing visit things as a person, each in its own transaction, the way the doors do."""

from __future__ import annotations

from datetime import date

from server.accounts.people_repository import person_by_username
from server.db import Database
from server.models import Enterprise, ServiceRequest, Visit
from server.requests import service as request_service
from server.visits import service as visit_service


def enterprise_id(database: Database, name: str) -> int:
    with database.read() as session:
        return session.query(Enterprise).filter_by(name=name).one().id


def person_id(database: Database, username: str) -> int:
    with database.read() as session:
        return person_by_username(session, username).id


def record(database: Database, username: str, enterprise: str = "一号企业", *, on: date = date(2026, 11, 20),
           staff: tuple[str, ...] = ("staff1",), **fields) -> Visit:
    ids = [person_id(database, s) for s in staff]
    data = visit_service.VisitInput(
        enterprise_id=enterprise_id(database, enterprise), visited_on=on, staff_ids=ids,
        met_with=fields.pop("met_with", "总经理"), findings=fields.pop("findings", "希望组织工会入会"), **fields,
    )
    return database.run(lambda s: visit_service.record_visit(s, person_by_username(s, username), data))


def file_need(database: Database, username: str, visit_id: int, service_code: str = "union.join", **fields) -> ServiceRequest:
    data = request_service.SubmitInput(service_code=service_code, description=fields.pop("description", "走访中发现的需求"),
                                       answers=fields.pop("answers", {"people": 5, "kind": "new"}), **fields)

    def work(session):
        person = person_by_username(session, username)
        visit = visit_service.get_visit(session, person, visit_id)
        return visit_service.file_need(session, person, visit, data)

    return database.run(work)


def set_plan(database: Database, username: str, enterprise: str, **fields):
    data = visit_service.PlanInput(**fields)
    return database.run(lambda s: visit_service.set_plan(s, person_by_username(s, username),
                                                         enterprise_id(database, enterprise), data))
