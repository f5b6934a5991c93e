"""The OpenAPI document, made true to what the API answers.

FastAPI's generator knows the successful answers and a validation error shaped like its own;
Lianxin answers every error as ``application/problem+json`` (server/api/problems.py), refuses
bodies over the limits with 413 (server/body_limit.py), sign-in bursts with 429 and sets a few
headers. ``finish()`` adds what the generator cannot see, once, where the document is built, so
that a client generated from the document — and schemathesis in tests/api/test_openapi_fuzz.py —
meets no status, content type or header the document does not promise.
"""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute

PROBLEM = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An error (RFC 9457). `detail` is written for people; `errors` names each bad field.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "`about:blank` or `/problems/<slug>`"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}, "description": "field → message"},
    },
    # Conflicts carry the request's current state, refusals their reason: more members may follow.
    "additionalProperties": True,
}

DESCRIPTIONS = {
    "400": "The input cannot be read (e.g. a NUL byte in a parameter)",
    "401": "Not signed in, or the token was revoked",
    "403": "Signed in, but not allowed",
    "404": "No such object that you may see",
    "405": "This path does not accept that method (see the Allow header)",
    "409": "Wrong state or stale version; the body carries the current state",
    "413": "The body is larger than the limit",
    "422": "Invalid input, with a message per field",
    "429": "Too many attempts; wait for Retry-After seconds",
}

HEADERS = {
    "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer", "minimum": 0}},
    "Location": {"description": "The new request's address in the API", "schema": {"type": "string"}},
    "Idempotent-Replayed": {
        "description": "`true` when this answer replays an earlier submission with the same Idempotency-Key",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}},
    "Allow": {"description": "The methods this path accepts", "schema": {"type": "string"}},
}

# Every operation may be refused for these reasons, whatever it does.
ALWAYS = ("400",)
SIGNED_IN = ("401", "403")
WITH_INPUT = ("422",)
WITH_BODY = ("413",)


def operation_id(route: APIRoute) -> str:
    """The view function's name: short, stable ids (``submit_request``, ``get_metrics``).
    tests/api/test_openapi_document.py keeps them unique."""
    return route.name


def finish(document: dict[str, Any]) -> dict[str, Any]:
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    # FastAPI's own 422 shape is never sent: every 422 is a Problem.
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            _finish_operation(path, method, operation)
    return document


def _finish_operation(path: str, method: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    statuses = list(ALWAYS)
    if operation.get("security"):
        statuses += SIGNED_IN
    if operation.get("parameters") or "requestBody" in operation:
        statuses += WITH_INPUT
    if "requestBody" in operation or method in {"post", "put", "patch"}:
        statuses += WITH_BODY
    for code in statuses:
        responses.setdefault(code, {"description": DESCRIPTIONS[code]})
    for code, response in responses.items():
        if code.isdigit() and int(code) >= 400:
            response["description"] = response.get("description") or DESCRIPTIONS.get(code, "Error")
            response["content"] = {PROBLEM: {"schema": PROBLEM_REF}}
    if "401" in responses:
        responses["401"].setdefault("headers", {})["WWW-Authenticate"] = HEADERS["WWW-Authenticate"]
    if "429" in responses:
        responses["429"].setdefault("headers", {})["Retry-After"] = HEADERS["Retry-After"]
    if "201" in responses:
        headers = responses["201"].setdefault("headers", {})
        headers["Location"] = HEADERS["Location"]
    if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])):
        for code in ("200", "201"):
            if code in responses:
                responses[code].setdefault("headers", {})["Idempotent-Replayed"] = HEADERS["Idempotent-Replayed"]
