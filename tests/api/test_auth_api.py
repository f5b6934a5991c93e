from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD


def test_token_for_good_credentials_and_me(client, world):
    response = client.post("/api/v1/auth/token", data={"username": "staff1", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and len(body["access_token"]) > 30
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["username"] == "staff1" and me.json()["roles"] == ["staff"]


def test_wrong_password_is_a_401_problem(client, world):
    response = client.post("/api/v1/auth/token", data={"username": "staff1", "password": "nope"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "Wrong username or password."
    unknown = client.post("/api/v1/auth/token", data={"username": "ghost", "password": "nope"})
    assert unknown.json()["detail"] == response.json()["detail"]


def test_missing_form_fields_is_a_422_problem(client, world):
    response = client.post("/api/v1/auth/token", data={"username": "staff1"})
    assert response.status_code == 422
    assert "password" in response.json()["errors"]


def test_a_revoked_token_stops_working(client, auth):
    headers = auth("member1")
    assert client.get("/api/v1/requests", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/revoke", headers=headers).status_code == 204
    response = client.get("/api/v1/requests", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_no_or_garbage_token_is_401(client, world):
    assert client.get("/api/v1/services").status_code == 401
    assert client.get("/api/v1/services", headers={"Authorization": "Bearer garbage"}).status_code == 401


def test_openapi_document_and_docs_page(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/requests/{number}/{action}" in spec["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_the_docs_page_is_vendored_and_under_a_strict_policy(client):
    page = client.get("/api/v1/docs")
    assert "cdn" not in page.text.lower() and "http" not in page.text.replace('http-equiv', '')
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "object-src 'none'" in policy and "base-uri 'none'" in policy
    scripts = re.findall(r'<script src="([^"]+)"></script>', page.text)
    assert scripts[0] == "/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js"
    assert "<script>" not in page.text  # no inline script
    for src in scripts:
        assert client.get(src).status_code == 200


@pytest.mark.parametrize(("mode", "anonymous", "signed_in"), [("public", 200, 200), ("signed_in", 401, 200), ("off", 404, 404)])
def test_who_may_read_the_docs_is_a_setting(settings, database, auth, mode, anonymous, signed_in):
    from fastapi.testclient import TestClient

    from server.app import create_app

    app = create_app(settings.model_copy(update={"api_docs": mode}), database)
    with TestClient(app) as client:
        headers = auth("member1")
        for url in ("/api/v1/docs", "/api/v1/openapi.json"):
            assert client.get(url).status_code == anonymous
            assert client.get(url, headers=headers).status_code == signed_in
