"""Every endpoint in both formats against GeoReport v2's field lists (wiki.open311.org/GeoReport_v2):
the same fields in JSON and XML, XML with its declaration and no namespace, datetimes with a zone."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import pytest

from tests.open311.conftest import BASE, report

SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE_FIELDS = ["variable", "code", "datatype", "required", "datatype_description", "order", "description"]
REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
]
POSTED_FIELDS = ["service_request_id", "service_notice", "account_id"]  # an id, so no token
DISCOVERY_FIELDS = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT_FIELDS = ["specification", "url", "changeset", "type", "formats"]
W3_WITH_ZONE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")


def xml_of(response) -> ET.Element:
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(response.content)
    assert "{" not in root.tag  # no namespace
    return root


def json_of(response):
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return response.json()


def tags(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def file_one(client, key, **fields) -> dict:
    response = client.post(f"{BASE}/requests.json", data=report(key, **fields))
    assert response.status_code == 200, response.text
    return response.json()[0]


def test_discovery_in_both_formats(client):
    document = json_of(client.get(f"{BASE}/discovery.json"))
    assert list(document) == DISCOVERY_FIELDS
    [endpoint] = document["endpoints"]
    assert list(endpoint) == ENDPOINT_FIELDS
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert W3_WITH_ZONE.match(document["changeset"])
    root = xml_of(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery" and tags(root) == DISCOVERY_FIELDS
    [element] = root.find("endpoints")
    assert element.tag == "endpoint" and tags(element) == ENDPOINT_FIELDS
    assert [f.text for f in element.find("formats")] == ["text/xml", "application/json"]
    assert client.get("/open311/discovery.json").json() == document


def test_services_in_both_formats(client, world):
    services = json_of(client.get(f"{BASE}/services.json"))
    assert isinstance(services, list)
    assert all(list(s) == SERVICE_FIELDS for s in services)
    by_code = {s["service_code"]: s for s in services}
    assert by_code["union.join"] == {
        "service_code": "union.join", "service_name": "服务union.join", "description": "", "metadata": True,
        "type": "realtime", "keywords": "群团服务", "group": "群团服务",
    }
    assert by_code["legal.aid"]["metadata"] is False  # no fields: no definition to fetch
    root = xml_of(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and set(tags(root)) == {"service"}
    assert [tags(s) for s in root] == [SERVICE_FIELDS] * len(services)
    assert [s.findtext("service_code") for s in root] == [s["service_code"] for s in services]
    assert root[0].findtext("metadata") == "true"


def test_services_speak_the_asked_language(client, world):
    english = client.get(f"{BASE}/services.json", headers={"Accept-Language": "en"}).json()
    assert {s["service_code"]: s["service_name"] for s in english}["union.join"] == "Service union.join"
    assert client.get(f"{BASE}/services.json?locale=en").json() == english


def test_service_definition_in_both_formats(client, world):
    definition = json_of(client.get(f"{BASE}/services/open.forms.json"))
    assert list(definition) == ["service_code", "attributes"]
    attributes = definition["attributes"]
    # The file field has no GeoReport datatype, so it is not offered.
    assert [a["code"] for a in attributes] == ["topic", "details", "seats", "day", "when", "room_kind", "needs"]
    assert [a["datatype"] for a in attributes] == [
        "string", "text", "number", "datetime", "datetime", "singlevaluelist", "multivaluelist"]
    assert [a["order"] for a in attributes] == [1, 2, 3, 4, 5, 6, 7]  # unique
    assert [a["required"] for a in attributes] == [True, False, False, False, True, False, False]
    for attribute in attributes:
        expected = ATTRIBUTE_FIELDS + (["values"] if attribute["datatype"].endswith("valuelist") else [])
        assert list(attribute) == expected
        assert attribute["variable"] is True
    assert attributes[0]["description"] == "主题"
    assert attributes[2]["datatype_description"] == "1–30"
    assert attributes[6]["values"] == [{"key": "mic", "name": "话筒"}, {"key": "screen", "name": "投影"},
                                      {"key": "tea", "name": "茶水"}]
    root = xml_of(client.get(f"{BASE}/services/open.forms.xml"))
    assert root.tag == "service_definition" and tags(root) == ["service_code", "attributes"]
    elements = list(root.find("attributes"))
    assert {e.tag for e in elements} == {"attribute"}
    assert [tags(e) for e in elements] == [list(a) for a in attributes]
    needs = elements[6].find("values")
    assert [(v.findtext("key"), v.findtext("name")) for v in needs] == [("mic", "话筒"), ("screen", "投影"), ("tea", "茶水")]
    assert elements[0].findtext("required") == "true" and elements[1].findtext("required") == "false"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_request_answers_with_the_id_which_is_also_its_token(client, key, fmt):
    response = client.post(f"{BASE}/requests.{fmt}", data=report(key))
    assert response.status_code == 200, response.text
    if fmt == "json":
        [entry] = json_of(response)
        assert list(entry) == POSTED_FIELDS
        number = entry["service_request_id"]
        assert entry["account_id"] is None
    else:
        root = xml_of(response)
        assert root.tag == "service_requests"
        [entry] = root
        assert entry.tag == "request" and tags(entry) == POSTED_FIELDS
        number = entry.findtext("service_request_id")
    assert re.fullmatch(r"LX-\d{8}-\d{4}", number)
    # Lianxin files at once: a client that asks for the id by token gets it all the same.
    assert client.get(f"{BASE}/tokens/{number}.json").json() == [{"service_request_id": number, "token": number}]
    root = xml_of(client.get(f"{BASE}/tokens/{number}.xml"))
    assert root.tag == "service_requests" and tags(root[0]) == ["service_request_id", "token"]


def test_get_requests_in_both_formats(client, key):
    number = file_one(client, key, lat=None)["service_request_id"]
    documents = json_of(client.get(f"{BASE}/requests.json"))
    assert [d["service_request_id"] for d in documents] == [number]
    [document] = documents
    assert list(document) == REQUEST_FIELDS
    assert document["status"] == "open"
    assert document["service_code"] == "union.join" and document["service_name"] == "服务union.join"
    assert document["agency_responsible"] == "union部"  # routed to the union at once
    assert document["address_id"] == "A1/3/301"
    assert document["address"] == "301室, 3层, A1栋"  # most specific first, as the specification asks
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3_WITH_ZONE.match(document[name]), document[name]
    assert document["requested_datetime"].endswith("+08:00")  # the centre's zone, stated
    root = xml_of(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    [element] = root
    assert element.tag == "request" and tags(element) == REQUEST_FIELDS
    assert element.findtext("service_request_id") == number
    assert element.findtext("requested_datetime") == document["requested_datetime"]
    assert element.find("status_notes") is not None and element.findtext("status_notes") == ""  # an empty element for null


def test_get_one_request_is_a_one_element_list(client, key):
    number = file_one(client, key)["service_request_id"]
    documents = json_of(client.get(f"{BASE}/requests/{number}.json"))
    assert isinstance(documents, list) and len(documents) == 1
    assert list(documents[0]) == REQUEST_FIELDS
    root = xml_of(client.get(f"{BASE}/requests/{number}.xml"))
    assert root.tag == "service_requests" and len(root) == 1 and tags(root[0]) == REQUEST_FIELDS


def test_multi_value_attributes_in_both_notations(client, key, database):
    from tests.requests.helpers import load

    body = report(key, service_code="open.forms", **{"attribute[people]": None, "attribute[kind]": None})
    body.update({"attribute[topic]": "读书会", "attribute[when]": "2026-12-10T14:30:00+08:00"})
    pairs = list(body.items()) + [("attribute[needs][]", "tea"), ("attribute[needs][]", "mic")]
    response = client.post(f"{BASE}/requests.json", content=_encode(pairs),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200, response.text
    answers = {a["code"]: a["value"] for a in load(database, response.json()[0]["service_request_id"]).answers}
    assert answers["needs"] == ["mic", "tea"]  # the menu's order
    assert answers["when"] == "2026-12-10T14:30+08:00"  # the zone kept
    assert answers["topic"] == "读书会"
    # attribute[code] repeated means the same.
    pairs = list(body.items()) + [("attribute[needs]", "screen"), ("attribute[needs]", "mic")]
    response = client.post(f"{BASE}/requests.json", content=_encode(pairs),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200, response.text
    answers = {a["code"]: a["value"] for a in load(database, response.json()[0]["service_request_id"]).answers}
    assert answers["needs"] == ["mic", "screen"]


def _encode(pairs) -> bytes:
    from urllib.parse import urlencode

    return urlencode(pairs).encode()
