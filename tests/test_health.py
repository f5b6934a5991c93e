"""/healthz answers without the database; /readyz answers 200 only when the database is
reachable and migrated to the head, else 503 with a problem naming the check that failed."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from server import migrate
from server.app import create_app
from server.config import Settings
from server.db import Database


def _client(settings: Settings, url: str):
    database = Database(url, settings)
    app = create_app(settings, database)
    return database, TestClient(app)


def test_healthz_is_ok_without_touching_the_database(settings, database, count_queries):
    with TestClient(create_app(settings, database)) as client, count_queries(database) as counter:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert counter.count == 0, counter


def test_healthz_is_ok_when_the_database_is_not(settings, tmp_path: Path):
    # A directory is no SQLite file: every connection fails.
    database, client = _client(settings, f"sqlite:///{tmp_path}")
    with client:
        assert client.get("/healthz").status_code == 200
    database.dispose()


def test_readyz_is_ok_on_a_migrated_database(settings, database):
    with TestClient(create_app(settings, database)) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "migrations": "ok"}}


def _not_ready(response) -> dict:
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 503 and body["type"] == "/problems/not-ready"
    return body


def test_readyz_refuses_a_database_never_migrated(settings, tmp_path: Path):
    database, client = _client(settings, f"sqlite:///{tmp_path / 'empty.db'}")
    with client:
        body = _not_ready(client.get("/readyz"))
    database.dispose()
    assert body["checks"] == {"database": "ok", "migrations": "failed"}
    assert body["current"] == []
    assert body["head"] == list(migrate.head_revisions())
    assert "lianxin migrate" in body["detail"]


def test_readyz_refuses_a_database_behind_the_migrations(settings, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "-1")
    database, client = _client(settings, url)
    with client:
        body = _not_ready(client.get("/readyz"))
    database.dispose()
    assert body["checks"] == {"database": "ok", "migrations": "failed"}
    assert body["current"] and body["current"] != body["head"]


def test_readyz_refuses_an_unreachable_database_without_saying_why(settings, tmp_path: Path, caplog):
    database, client = _client(settings, f"sqlite:///{tmp_path}")
    with client, caplog.at_level("WARNING", logger="lianxin.health"):
        body = _not_ready(client.get("/readyz"))
    database.dispose()
    assert body["checks"] == {"database": "failed", "migrations": "unknown"}
    assert body["detail"] == "The database is not reachable."
    # The driver's message (hosts, users, paths) is for the log only.
    assert str(tmp_path) not in str(body)
    assert any("not reachable" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_need_no_sign_in_and_stay_out_of_the_api_schema(settings, database, path):
    with TestClient(create_app(settings, database)) as client:
        assert client.get(path).status_code == 200
        assert path not in client.get("/api/v1/openapi.json").json()["paths"]
