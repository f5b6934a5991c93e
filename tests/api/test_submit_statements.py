"""The fixed cost of a submission through the API, in SQL statements: who asks is checked by
the write's first statement, and nothing else is read before it. A new statement on this path
fails here (update the figure when one is meant; ``bench.submit_cpu --sql`` lists them)."""

from __future__ import annotations

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
    assert counter.count == 13, str(counter)
