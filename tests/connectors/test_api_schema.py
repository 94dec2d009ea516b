"""The OpenAPI schema of the connectors API matches what it answers (found by tests/test_api_fuzz)."""


def _schema(client):
    return client.get("/api/schema/?format=json").json()


def test_credentials_schema_allows_the_set_flags_of_reads(client, db):
    credentials = _schema(client)["components"]["schemas"]["Connector"]["properties"]["credentials"]
    kinds = {s["type"] for s in credentials["additionalProperties"]["oneOf"]}
    assert kinds == {"string", "boolean"}  # written as secrets, read back as <name>_set flags


def test_make_call_404_schema_allows_the_plain_api_error(client, db):
    """/retailcrm/<not a number>/make-call/ never reaches the view: Django's JSON 404 answers."""
    op = _schema(client)["paths"]["/api/v1/retailcrm/{connector_id}/make-call/"]["get"]
    ref = op["responses"]["404"]["content"]["application/json"]["schema"]["$ref"]
    component = _schema(client)["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert component.get("required", []) == ["error"]
    response = client.get("/api/v1/retailcrm/abc/make-call/", HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert set(response.json()) == {"error"}
