"""The fixed cost of a submission through the API, in SQL statements: who asks is checked by
the write's first statement, and nothing else is read before it. A new statement on this path
fails here (update the figure when one is meant; ``bench.submit_cpu --sql`` lists them)."""

from __future__ import annotations

from sqlalchemy import select

from server.models import Service
from server.requests import presenters
from tests.api.test_requests_api import BODY


def test_a_submission_costs_a_fixed_number_of_statements(client, auth, database, count_queries):
    headers = auth("member1")
    # The catalogue and the figures' rows of the day are there after a first submission.
    assert client.post("/api/v1/requests", json=BODY, headers=headers).status_code == 201
    with count_queries(database) as counter:
        response = client.post("/api/v1/requests", json={**BODY, "description": "另一件事"},
                               headers={**headers, "Idempotency-Key": "statements-1"})
    assert response.status_code == 201, response.text
    assert "FROM auth_token" in counter.queries[0], counter
    if database.is_sqlite:
        assert [s for s in counter.statements if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"], counter.statements
    assert counter.count == 12, str(counter)


def test_the_revision_the_callers_lookup_brings_still_shows_a_catalogue_change(client, auth, database):
    """The caller's lookup brings the catalogue's revision (no query of its own): a change
    committed since the process cached the catalogue still shows in the next submission."""
    headers = auth("member1")
    assert client.post("/api/v1/requests", json=BODY, headers=headers).json()["service"]["name"] != "Renamed"
    with database.write() as session:
        session.scalar(select(Service).where(Service.code == BODY["service_code"])).name = {"en": "Renamed"}
    response = client.post("/api/v1/requests", json={**BODY, "description": "又一件事"},
                           headers={**headers, "Accept-Language": "en"})
    assert response.status_code == 201, response.text
    assert response.json()["service"]["name"] == "Renamed"


def test_the_answer_is_built_past_the_write(client, auth, database, monkeypatch):
    """The submission's answer is built after its unit of work: SQLite's process-wide write
    lock, which every submission queues for, is not held for it."""
    built_in_write = []
    build = presenters._detail

    def watched(*args):
        built_in_write.append(getattr(database._thread, "writing", False))
        return build(*args)

    monkeypatch.setattr(presenters, "_detail", watched)
    response = client.post("/api/v1/requests", json=BODY, headers=auth("member1"))
    assert response.status_code == 201, response.text
    assert response.json()["requester"]["username"] == "member1"
    assert built_in_write == [False]
