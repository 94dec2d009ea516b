"""The OpenAPI schema's examples and descriptions (issue 17, item 10): each error status shows
its real code, and every call-event field says what it means."""

import pytest
from django.test import Client


@pytest.fixture
def schema(db):
    return Client().get("/api/schema/?format=json").json()


def test_each_error_status_shows_its_own_code(schema, api):
    op = schema["paths"]["/api/v1/calls/"]["get"]["responses"]
    unauthorized = op["401"]["content"]["application/json"]["example"]["error"]
    assert unauthorized["code"] == "not_authenticated"  # not validation_error
    assert op["400"]["content"]["application/json"]["example"]["error"]["code"] == (
        "validation_error"
    )
    # the documented 401 is what the API answers without a key
    answer = Client().get("/api/v1/calls/")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == unauthorized["code"]
    error = schema["components"]["schemas"]["Error"]["properties"]["error"]["properties"]
    assert "example" not in error["code"]


def test_every_call_event_field_has_a_description(schema):
    body = schema["paths"]["/api/v1/call-events/"]["post"]["requestBody"]["content"]
    event = body["application/json"]["schema"]["oneOf"][0]
    missing = [name for name, prop in event["properties"].items() if not prop.get("description")]
    assert not missing, missing
    assert "Idempotency key" in event["properties"]["event_id"]["description"]
