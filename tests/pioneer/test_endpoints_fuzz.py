"""schemathesis over the pioneer operations of the OpenAPI document, as a party member and
as a supervisor, with valid and invalid data: no 5xx, and every answer as documented (the
whole API's run is tests/api/test_openapi_fuzz.py; this one is quick to run alone)."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from server.app import create_app
from tests.factories import PASSWORD, build_world
from tests.pioneer.helpers import make_party

NOT_EXPRESSIBLE = [schemathesis.checks.positive_data_acceptance]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("username", ["member1", "supervisor1"])
def test_pioneer_operations_answer_as_documented(settings, database, username, mode):
    make_party(database, build_world(database))
    app = create_app(settings, database)
    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD}).json()["access_token"]
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures, tried = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/api/v1/pioneer"):
            continue
        strategy = operation.as_strategy(generation_mode=mode, headers={"Authorization": f"Bearer {token}"})

        @hypothesis_settings(max_examples=10, deadline=None, database=None, derandomize=True,
                             phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case):
            case.call_and_validate(excluded_checks=NOT_EXPRESSIBLE)

        try:
            run()
            tried += 1
        except Unsatisfiable:
            continue
        except Exception as error:
            tried += 1
            failures.append(f"{operation.label}:\n{error}")
    assert tried >= 5
    assert not failures, "\n\n".join(failures)
