"""Shared API infrastructure: errors for unvalidated bad input, OPTIONS, the error schema."""

import pytest
from django.db import DataError
from rest_framework.views import APIView

from portal.api import exception_handler
from tests.factories import make_connector


@pytest.mark.parametrize(
    "exc", [DataError("time zone displacement out of range"), ValueError("x"), OverflowError()]
)
def test_bad_input_that_escaped_validation_is_a_400(exc):
    response = exception_handler(exc, {"view": APIView()})
    assert response.status_code == 400
    assert response.data["error"]["code"] == "validation_error"
    assert set(response.data["error"]["fields"]) == {"non_field_errors"}


def test_other_exceptions_stay_server_errors():
    assert exception_handler(KeyError("bug"), {"view": APIView()}) is None


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/settings/",
        "/api/v1/connectors/",
        "/api/v1/connectors/{pk}/",
        "/api/v1/connectors/{pk}/sync-contacts/",
        "/api/v1/connectors/{pk}/match-users/",
        "/api/v1/connectors/0/contact-sync-settings/",
    ],
)
def test_options_never_fails(api, tenant, url):
    """DRF's default OPTIONS built each view's serializer: views without one answered 500."""
    response = api.options(url.format(pk=make_connector(tenant).pk))
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"name", "description", "renders", "parses"}


def test_schema_documents_errors_and_bearer_auth(client, db):
    schema = client.get("/api/schema/?format=json").json()
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    error = schema["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "fields"]
    detail = schema["paths"]["/api/v1/connectors/{id}/"]
    for method in ("get", "patch", "delete"):
        assert {"401", "404"} <= set(detail[method]["responses"]), method
        assert detail[method]["security"] == [{"bearerAuth": []}]
    assert "400" in detail["patch"]["responses"]
    assert "400" in schema["paths"]["/api/v1/connectors/"]["post"]["responses"]
    lists = schema["paths"]["/api/v1/jobs/"]["get"]["responses"]
    assert lists["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }  # an out-of-range ?page= is a 404
