import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from tests.factories import PASSWORD, build_world


@pytest.fixture
def world(database):
    return build_world(database)


@pytest.fixture
def client(settings, database):
    with TestClient(create_app(settings, database)) as client:
        yield client


@pytest.fixture
def auth(client, world):
    """auth("member1") → headers with a bearer token for that person (cached per test)."""
    tokens: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.text
            tokens[username] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return tokens[username]

    return headers
