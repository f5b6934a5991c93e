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
