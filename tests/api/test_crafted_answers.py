"""Answers crafted to break the parser are field errors, not 500s."""

from __future__ import annotations

import json

import pytest

from tests.api.test_requests_api import BODY, problem


@pytest.mark.parametrize("people", [10**400, -(10**400), "1e999", [1, 2], {"a": 1}, True])
def test_a_crafted_number_answer_is_a_field_error(client, auth, people):
    body = json.dumps({**BODY, "answers": {**BODY["answers"], "people": people}})
    response = client.post("/api/v1/requests", content=body,
                           headers={**auth("member1"), "Content-Type": "application/json"})
    errors = problem(response, 422)["errors"]
    assert "answers.people" in errors
