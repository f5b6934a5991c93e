"""The OpenAPI document says what the API really answers (server/api/openapi.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from server import workflow
from server.app import create_app


@pytest.fixture(scope="module")
def document():
    return create_app().openapi()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_operation_ids_are_the_view_names_and_unique(document):
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    # FastAPI's generated ids repeat the path and method ("submit_request_api_v1_requests_post").
    assert not [i for i in ids if "_api_v1_" in i]
    assert {"submit_request", "list_requests", "take_action", "get_metrics", "issue_token"} <= set(ids)


def test_every_error_is_a_problem_document(document):
    assert "Problem" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, method, operation in operations(document):
        errors = {code: r for code, r in operation["responses"].items() if int(code) >= 400}
        assert errors, f"{method} {path} documents no error"
        for code, response in errors.items():
            assert list(response["content"]) == ["application/problem+json"], (method, path, code)
            assert response["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_limits_and_sign_in_statuses_are_documented(document):
    for path, method, operation in operations(document):
        responses = operation["responses"]
        if method == "post":
            assert "413" in responses, f"{method} {path}: the body limit's 413"
        if operation.get("security"):
            assert {"401", "403"} <= set(responses), f"{method} {path}"
            assert "WWW-Authenticate" in responses["401"]["headers"]
    token = document["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert "Retry-After" in token["429"]["headers"]


def test_submission_documents_its_headers_and_the_replay(document):
    responses = document["paths"]["/api/v1/requests"]["post"]["responses"]
    assert set(responses["201"]["headers"]) == {"Location", "Idempotent-Replayed"}
    assert responses["200"]["headers"]["Idempotent-Replayed"]["schema"]["enum"] == ["true"]
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/RequestOut"}


def test_action_is_documented_as_its_enum(document):
    parameters = document["paths"]["/api/v1/requests/{number}/{action}"]["post"]["parameters"]
    (action,) = [p for p in parameters if p["name"] == "action"]
    assert set(action["schema"]["enum"]) == {a.value for a in workflow.PERSON_ACTIONS}


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("PATCH", "/api/v1/requests", "GET, POST"),  # was "POST": the first route's methods only
    ("DELETE", "/api/v1/requests/LX-20260101-0001", "GET"),
    ("PUT", "/api/v1/auth/token", "POST"),
    ("DELETE", "/login", "GET, POST"),
])
def test_405_allows_every_method_of_the_path(method, path, allowed):
    with TestClient(create_app()) as client:
        answer = client.request(method, path)
    assert answer.status_code == 405
    assert answer.headers["Allow"] == allowed
