"""The door driven by an Open311 client we did not write: ``georeport`` (PyPI) for the GET
endpoints, against the app served by uvicorn on loopback; POST as the specification
describes it (form-encoded, over HTTP with httpx), since the library has none."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from georeport import GeoReport

from server.app import create_app


@pytest.fixture
def live_server(settings, database, world) -> Iterator[str]:
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings, database), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the test server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_georeport_lists_services_files_and_follows_a_request(live_server, key, output_format):
    root = f"{live_server}/open311/v2"
    client = GeoReport(root, output_format=output_format)

    services = client.get_service_list()
    codes = [s["service_code"] for s in services]
    assert "union.join" in codes and "open.forms" in codes
    definition = client.get_service_definition("open.forms")
    attributes = definition["attributes"] if output_format == "json" else definition["attributes"]["attribute"]
    needs = next(a for a in attributes if a["code"] == "needs")
    assert needs["datatype"] == "multivaluelist"

    # POST as GeoReport describes it: form-encoded, attribute[code][] for several values.
    body = {"api_key": key, "service_code": "open.forms", "description": "读书会需要场地",
            "address_string": "A1栋 2层 201室", "attribute[topic]": "读书会",
            "attribute[when]": "2026-12-10T14:30:00+08:00", "attribute[needs][]": ["mic", "tea"],
            "email": "reader@example.cn", "first_name": "Lin"}
    posted = httpx.post(f"{root}/requests.json", data=body)
    assert posted.status_code == 200, posted.text
    number = posted.json()[0]["service_request_id"]

    found = client.get_service_request(number)  # one-element list: the library takes the element
    assert found["service_request_id"] == number
    assert found["service_code"] == "open.forms" and found["status"] == "open"
    assert found["address_id"] == "A1/2/201"
    listed = client.get_service_requests(service_code="open.forms", status="open")
    if output_format == "xml" and isinstance(listed, dict):  # xmltodict: one element is no list
        listed = [listed]
    assert [r["service_request_id"] for r in listed] == [number]
    assert client.get_service_requests(service_request_id=number, status="closed") not in ([], None)
    text = httpx.get(f"{root}/requests/{number}.{output_format}").text
    assert "reader@example.cn" not in text and "Lin" not in text


def test_concurrent_posts_each_file_one_request_with_its_own_number(live_server, key, database):
    from concurrent.futures import ThreadPoolExecutor

    from tests.open311.conftest import report

    def post(i: int) -> httpx.Response:
        return httpx.post(f"{live_server}/open311/v2/requests.json", data=report(key, description=f"第{i}份申请"), timeout=30)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(post, range(16)))
    assert [r.status_code for r in responses] == [200] * 16, [r.text for r in responses if r.status_code != 200]
    numbers = {r.json()[0]["service_request_id"] for r in responses}
    assert len(numbers) == 16
    listed = httpx.get(f"{live_server}/open311/v2/requests.json").json()
    assert {d["service_request_id"] for d in listed} == numbers
