"""Repeated wrong passwords lock an account's sign-in for a while, for the API and the page."""

from server.accounts.throttle import MAX_FAILURES, SignInThrottle
from tests.factories import PASSWORD


def test_the_throttle_counts_failures_in_a_window():
    throttle = SignInThrottle(max_failures=3, window=60)
    for t in (0, 1, 2):
        assert throttle.retry_after("Staff1", now=t) == 0
        throttle.failed("staff1 ", now=t)
    assert throttle.retry_after("STAFF1", now=3) == 58  # same name, whatever the case
    assert throttle.retry_after("staff1", now=61) == 0  # the first failure has aged out
    throttle.failed("other", now=0)
    throttle.succeeded("other")
    assert throttle._failures.get("other") is None


def test_too_many_wrong_passwords_lock_the_api_sign_in(client, world):
    for _ in range(MAX_FAILURES):
        assert client.post("/api/v1/auth/token", data={"username": "staff1", "password": "nope"}).status_code == 401
    locked = client.post("/api/v1/auth/token", data={"username": "staff1", "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.headers["content-type"] == "application/problem+json"
    assert "try again in 15 minutes" in locked.json()["detail"]
    assert int(locked.headers["retry-after"]) > 0
    # Other accounts are not affected.
    assert client.post("/api/v1/auth/token", data={"username": "staff2", "password": PASSWORD}).status_code == 200


def test_a_success_clears_the_count(client, world):
    for _ in range(MAX_FAILURES - 1):
        client.post("/api/v1/auth/token", data={"username": "staff1", "password": "nope"})
    assert client.post("/api/v1/auth/token", data={"username": "staff1", "password": PASSWORD}).status_code == 200
    for _ in range(MAX_FAILURES - 1):
        client.post("/api/v1/auth/token", data={"username": "staff1", "password": "nope"})
    assert client.post("/api/v1/auth/token", data={"username": "staff1", "password": PASSWORD}).status_code == 200
