"""JSON bodies have their own small limit (LIANXIN_MAX_JSON_BYTES, 256 KB): they are parsed
whole in memory, where a 40 MB list of zeros used to cost a worker ~480 MB. Refused with a 413
problem before parsing, whether the client says its length or streams in chunks; nothing
already saved is touched."""

from __future__ import annotations

import json

from tests.api.test_requests_api import BODY, file, problem

LIMIT = 256 * 1024


def _zeros(count: int) -> bytes:
    return json.dumps({**BODY, "answers": {"people": [0] * count}}).encode()


def test_a_json_body_over_the_limit_is_refused_up_front(client, auth):
    body = _zeros(LIMIT)  # ~768 KB
    response = client.post("/api/v1/requests", content=body,
                           headers={**auth("member1"), "Content-Type": "application/json"})
    problem(response, 413)
    assert response.headers["connection"] == "close"


def test_a_chunked_json_body_is_cut_off_at_the_limit(client, auth):
    body = _zeros(LIMIT)

    def chunks():
        for start in range(0, len(body), 16 * 1024):
            yield body[start:start + 16 * 1024]

    response = client.post("/api/v1/requests", content=chunks(),
                           headers={**auth("member1"), "Content-Type": "application/json"})
    problem(response, 413)


def test_a_json_body_within_the_limit_is_read(client, auth):
    saved = file(client, auth)
    # Just under the limit: answered on its merits (a list is no number), not by size.
    body = json.dumps({**BODY, "description": "x" * (LIMIT - 200)}).encode()
    assert len(body) < LIMIT
    response = client.post("/api/v1/requests", content=body,
                           headers={**auth("member1"), "Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert client.get(f"/api/v1/requests/{saved['number']}", headers=auth("member1")).status_code == 200


def test_deeply_nested_json_is_a_client_error(client, auth):
    body = b'{"service_code": "union.join", "answers": {"people": ' + b"[" * 50_000 + b"]" * 50_000 + b"}}"
    assert len(body) < LIMIT
    response = client.post("/api/v1/requests", content=body,
                           headers={**auth("member1"), "Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
