"""Doing things as a person, each in its own transaction, the way the doors do."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from server.accounts.people_repository import person_by_username as get_person_by_username
from server.db import Database
from server.enums import Action
from server.models import RequestEvent, ServiceRequest
from server.requests import repository
from server.requests import service as request_service


def submit(database: Database, username: str, service_code: str, *, now: datetime | None = None, key: str | None = None,
           **fields) -> ServiceRequest:
    data = request_service.SubmitInput(service_code=service_code, description=fields.pop("description", "请帮忙"), **fields)

    def work(session):
        person = get_person_by_username(session, username)
        return request_service.submit(session, person, data, idempotency_key=key, now=now).request

    return database.run(work)


def act(database: Database, username: str | None, number: str, action: Action, *, version: int | None = None,
        now: datetime | None = None, **data) -> ServiceRequest:
    def work(session):
        if username is None:
            request = session.scalar(select(ServiceRequest).where(ServiceRequest.number == number))
            person = None
        else:
            person = get_person_by_username(session, username)
            request = repository.get_visible(session, person, number)
        return request_service.perform(
            session, person, request, action, request_service.ActionInput(**data), expected_version=version, now=now
        )

    return database.run(work)


def load(database: Database, number: str) -> ServiceRequest:
    with database.read() as session:
        return session.scalar(select(ServiceRequest).where(ServiceRequest.number == number))


def events(database: Database, number: str) -> list[tuple[str, str | None, str]]:
    with database.read() as session:
        request = session.scalar(select(ServiceRequest).where(ServiceRequest.number == number))
        return [
            (e.action, e.from_status, e.to_status)
            for e in session.scalars(select(RequestEvent).where(RequestEvent.request_id == request.id).order_by(RequestEvent.id))
        ]
