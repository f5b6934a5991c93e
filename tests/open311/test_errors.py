"""Errors as GeoReport has them: a list of {code, description} (``<errors><error>``), with
400, 403 or 404 as the specification assigns; bad input never a 500."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import func, select

from server.config import get_settings
from server.models import ServiceRequest
from server.open311 import keys
from tests.open311.conftest import BASE, report


def errors_of(response, status: int) -> list[str]:
    assert response.status_code == status, response.text
    if response.headers["content-type"].startswith("text/xml"):
        root = ET.fromstring(response.content)
        assert root.tag == "errors" and {e.tag for e in root} == {"error"}
        assert all([c.tag for c in e] == ["code", "description"] for e in root)
        assert {e.findtext("code") for e in root} == {str(status)}
        return [e.findtext("description") for e in root]
    document = response.json()
    assert isinstance(document, list) and all(list(e) == ["code", "description"] for e in document)
    assert {e["code"] for e in document} == {status}
    return [e["description"] for e in document]


def _count(database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(ServiceRequest))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_one_error_per_missing_required_attribute(client, key, database, fmt):
    body = report(key, service_code="open.forms", **{"attribute[people]": None, "attribute[kind]": None})
    errors = errors_of(client.post(f"{BASE}/requests.{fmt}", data=body), 400)
    assert sorted(errors) == ["attribute[topic]: This field is required.", "attribute[when]: This field is required."]
    assert _count(database) == 0
    body["attribute[topic]"] = "读书会"
    assert errors_of(client.post(f"{BASE}/requests.{fmt}", data=body), 400) == ["attribute[when]: This field is required."]


def test_bad_attribute_values_are_named(client, key):
    errors = errors_of(client.post(f"{BASE}/requests.json", data=report(
        key, **{"attribute[people]": "99", "attribute[kind]": "other", "attribute[nope]": "1"})), 400)
    assert errors == ["attribute[nope]: this service has no such attribute."]
    errors = errors_of(client.post(f"{BASE}/requests.json", data=report(
        key, **{"attribute[people]": "99", "attribute[kind]": "other"})), 400)
    assert sorted(errors) == ["attribute[kind]: Please choose one of the options.", "attribute[people]: At most 50."]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_missing_unknown_or_revoked_key_is_403(client, database, issue_key, fmt):
    missing = report("", api_key=None)
    assert "api_key" in errors_of(client.post(f"{BASE}/requests.{fmt}", data=missing), 403)[0]
    errors_of(client.post(f"{BASE}/requests.{fmt}", data=report("not-a-key")), 403)
    key = issue_key("member1")
    with database.write() as session:
        keys.revoke(session, None, keys.find(session, key))
    errors_of(client.post(f"{BASE}/requests.{fmt}", data=report(key)), 403)
    assert _count(database) == 0


def test_the_bound_accounts_permissions_apply(client, issue_key, database):
    # Staff handle requests; they do not order them.
    errors = errors_of(client.post(f"{BASE}/requests.json", data=report(issue_key("staff1"))), 403)
    assert "ordered by members and enterprise contacts" in errors[0]
    # ent.only is for enterprise contacts.
    errors_of(client.post(f"{BASE}/requests.json", data=report(issue_key("member1"), service_code="ent.only")), 403)
    plain = {"attribute[people]": None, "attribute[kind]": None}
    assert client.post(f"{BASE}/requests.json", data=report(issue_key("contact1"), service_code="ent.only", **plain)).status_code == 200
    assert _count(database) == 1


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_request_or_token_is_404(client, key, fmt):
    assert errors_of(client.get(f"{BASE}/services/no.such.{fmt}"), 404) == ["There is no service no.such."]
    errors_of(client.post(f"{BASE}/requests.{fmt}", data=report(key, service_code="no.such")), 404)
    errors_of(client.get(f"{BASE}/requests/LX-20200101-0001.{fmt}"), 404)
    errors_of(client.get(f"{BASE}/tokens/nothing.{fmt}"), 404)
    errors_of(client.get(f"{BASE}/requests.{fmt}?service_code=no.such"), 404)
    errors_of(client.get(f"{BASE}/nowhere.{fmt}"), 404)


def test_a_location_is_required_and_checked(client, key):
    errors = errors_of(client.post(f"{BASE}/requests.json", data=report(key, address_string=None)), 400)
    assert errors == ["A location is required: address_string, address_id, or lat and long."]
    assert "no building" in errors_of(client.post(f"{BASE}/requests.json", data=report(key, address_string="Z9栋 3层")), 400)[0]
    assert errors_of(client.post(f"{BASE}/requests.json", data=report(key, address_string="A1栋 9层")), 400) == [
        "The building has no floor 9."]
    errors_of(client.post(f"{BASE}/requests.json", data=report(key, address_string=None, address_id="Z9")), 400)
    errors_of(client.post(f"{BASE}/requests.json", data=report(key, address_string=None, lat="39.9")), 400)
    errors_of(client.post(f"{BASE}/requests.json", data=report(key, address_string=None, lat="99", long="116.4")), 400)
    errors_of(client.post(f"{BASE}/requests.json", data=report(key, address_string=None, lat="nan", long="nan")), 400)
    ok = client.post(f"{BASE}/requests.json", data=report(key, address_string=None, lat="39.99", long="116.48"))
    assert ok.status_code == 200
    [document] = client.get(f"{BASE}/requests/{ok.json()[0]['service_request_id']}.json").json()
    assert (document["lat"], document["long"]) == (39.99, 116.48)


def test_description_email_and_media_url_are_checked(client, key):
    assert errors_of(client.post(f"{BASE}/requests.json", data=report(key, description="")), 400) == [
        "description is required: say what you need."]
    errors_of(client.post(f"{BASE}/requests.json", data=report(key, description="长" * 4001)), 400)
    assert client.post(f"{BASE}/requests.json", data=report(key, description="长" * 4000)).status_code == 200
    errors_of(client.post(f"{BASE}/requests.json", data=report(key, email="not-an-address")), 400)
    errors_of(client.post(f"{BASE}/requests.json", data=report(key, media_url="javascript:alert(1)")), 400)
    errors_of(client.post(f"{BASE}/requests.json", data=report(key, phone="call me")), 400)


@pytest.mark.parametrize("field", ["description", "service_code", "attribute[people]", "api_key", "first_name"])
def test_nul_bytes_are_400(client, key, field):
    errors_of(client.post(f"{BASE}/requests.json", data=report(key, **{field: "a\x00b"})), 400)


def test_nul_bytes_and_huge_queries_on_gets_are_400(client):
    errors_of(client.get(f"{BASE}/requests.json", params={"service_request_id": "a\x00b"}), 400)
    errors_of(client.get(f"{BASE}/services.json", params={"locale": "x" * 40_000}), 400)


def test_huge_bodies_are_400(client, key, database):
    errors = errors_of(client.post(f"{BASE}/requests.json", data=report(key, description="长" * 30_000)), 400)
    assert "larger than" in errors[0]
    # Streamed without a Content-Length, it is cut off as it arrives.
    def chunks():
        yield b"api_key=x&description="
        for _ in range(100):
            yield b"a" * 1024

    errors_of(client.post(f"{BASE}/requests.json", content=chunks(),
                          headers={"Content-Type": "application/x-www-form-urlencoded"}), 400)
    errors_of(client.post(f"{BASE}/requests.json", content=b"\xff\xfe", headers={"Content-Type": "application/x-www-form-urlencoded"}), 400)
    errors_of(client.post(f"{BASE}/requests.json", json={"api_key": key}), 400)
    assert _count(database) == 0


def test_bad_filters_are_400(client):
    assert "90 days" in errors_of(client.get(f"{BASE}/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z"), 400)[0]
    errors_of(client.get(f"{BASE}/requests.json?start_date=2026-06-01T00:00:00Z&end_date=2026-05-01T00:00:00Z"), 400)
    errors_of(client.get(f"{BASE}/requests.json?start_date=yesterday"), 400)
    errors_of(client.get(f"{BASE}/requests.xml?status=pending"), 400)


@pytest.fixture
def jurisdiction(monkeypatch):
    monkeypatch.setenv("LIANXIN_OPEN311_JURISDICTION", "lianxin.example")
    get_settings.cache_clear()
    yield "lianxin.example"
    get_settings.cache_clear()


def test_jurisdiction_is_required_when_configured(client, key, jurisdiction):
    assert "jurisdiction_id is required" in errors_of(client.get(f"{BASE}/services.json"), 400)[0]
    errors_of(client.get(f"{BASE}/services.json?jurisdiction_id=elsewhere"), 404)
    assert client.get(f"{BASE}/services.json?jurisdiction_id={jurisdiction}").status_code == 200
    errors_of(client.post(f"{BASE}/requests.json", data=report(key)), 400)
    posted = client.post(f"{BASE}/requests.json", data=report(key, jurisdiction_id=jurisdiction))
    assert posted.status_code == 200
    number = posted.json()[0]["service_request_id"]
    errors_of(client.get(f"{BASE}/requests/{number}.json"), 400)
    assert client.get(f"{BASE}/requests/{number}.json?jurisdiction_id={jurisdiction}").status_code == 200


def test_jurisdiction_is_accepted_when_not_configured(client, key):
    assert client.get(f"{BASE}/services.json?jurisdiction_id=anything").status_code == 200
    assert client.post(f"{BASE}/requests.json", data=report(key, jurisdiction_id="anything")).status_code == 200


@pytest.mark.parametrize("path", ["requests/a%00b", "tokens/a%00b", "services/a%00b", "requests/" + "9" * 300,
                                  "services/" + "x" * 300])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_crafted_paths_are_clean_errors(client, path, fmt):
    response = client.get(f"{BASE}/{path}.{fmt}")
    assert response.status_code in (400, 404), response.text
    errors_of(response, response.status_code)


def test_any_other_refusal_is_400_as_the_specification_says(client):
    # A method the resource does not take: not a missing resource, not a key problem.
    errors_of(client.delete(f"{BASE}/requests.json"), 400)
    errors_of(client.put(f"{BASE}/services.xml"), 400)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_come_in_the_language_the_client_names(client, key, fmt):
    """``?locale=`` or Accept-Language, as for the other texts; a client that names none keeps
    English (the tests above). The field's name stays as GeoReport spells it."""
    from server.notifications.texts import gettext_for

    body = report(key, service_code="open.forms", **{"attribute[people]": None, "attribute[kind]": None,
                                                    "attribute[topic]": "读书会"})
    for locale, asked in (("zh-Hant", {"headers": {"Accept-Language": "zh-TW,zh;q=0.9"}}),
                          ("zh-Hans", {"params": {"locale": "zh-Hans"}, "headers": {"Accept-Language": "en"}})):
        gettext = gettext_for(locale)
        required = gettext("This field is required.")
        assert required != "This field is required."
        errors = errors_of(client.post(f"{BASE}/requests.{fmt}", data=body, **asked), 400)
        assert errors == [gettext("{field}: {problem}").format(field="attribute[when]", problem=required)]
    unknown = client.get(f"{BASE}/services/nope.{fmt}", headers={"Accept-Language": "zh-Hans"})
    assert errors_of(unknown, 404) != errors_of(client.get(f"{BASE}/services/nope.{fmt}"), 404)
