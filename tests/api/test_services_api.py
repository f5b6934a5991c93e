def test_menu_lists_services_in_the_asked_language(client, auth):
    zh = client.get("/api/v1/services", headers=auth("member1")).json()
    en = client.get("/api/v1/services", headers={**auth("member1"), "Accept-Language": "en-US,en;q=0.9"}).json()
    by_code = {s["code"]: s for s in zh}
    assert by_code["union.join"]["name"] == "服务union.join"
    assert {s["code"]: s for s in en}["union.join"]["name"] == "Service union.join"
    assert by_code["misc.other"]["department"] is None
    assert by_code["union.join"]["claim_limit_hours"] == 4


def test_one_service_with_its_fields(client, auth):
    body = client.get("/api/v1/services/union.join", headers={**auth("member1"), "Accept-Language": "en"}).json()
    fields = {f["code"]: f for f in body["fields"]}
    assert fields["people"] == {
        "code": "people", "type": "number", "label": "People", "help": "", "required": True, "choices": [],
        "min": 1.0, "max": 50.0, "max_length": None,
    }
    assert fields["kind"]["choices"] == [{"value": "new", "label": "New"}, {"value": "move", "label": "Transfer in"}]


def test_unknown_service_is_404(client, auth):
    response = client.get("/api/v1/services/nope", headers=auth("member1"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
