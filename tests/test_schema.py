"""The OpenAPI schema renders, and Swagger UI is served without any CDN."""

import re

from django.contrib.staticfiles import finders
from django.urls import get_resolver

from tests.test_isolation import _walk


def test_schema_is_openapi_3(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/settings/" in schema["paths"]
    assert "bearerAuth" in str(schema.get("components", {}).get("securitySchemes", {})) or (
        "ApiKeyAuthentication" in str(schema)
    )


def test_schema_yaml_by_default(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert response.content.decode().startswith("openapi: 3.")


def _openapi_path(route: str) -> str:
    """Django route (path converters or router regex) -> OpenAPI path; pk is shown as {id}."""
    route = route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    return "/" + route.replace("{pk}", "{id}")


def test_every_api_route_is_in_the_schema(client, db):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    missing = [
        _openapi_path(route)
        for _name, route, _pattern in _walk(get_resolver().url_patterns)
        if route.startswith("api/v1/") and "format" not in route
    ]
    missing = [path for path in missing if path not in paths]
    assert not missing, f"missing from /api/schema/: {missing}"


def test_swagger_ui_is_self_hosted(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html.lower()
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert any("swagger-ui-bundle" in a for a in assets)
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not a local static file"


def test_capability_gated_operations_document_409(client, db):
    """What answers 409 not_supported for a CRM without the capability says so in the schema
    (tests/connectors/test_capabilities.py proves the 409 itself)."""
    paths = client.get("/api/schema/?format=json").json()["paths"]
    gated = [
        ("post", "/api/v1/connectors/{connector_id}/sync-contacts/"),
        ("post", "/api/v1/connectors/{connector_id}/match-users/"),
        ("get", "/api/v1/connectors/{connector_id}/contact-sync-settings/"),
        ("put", "/api/v1/connectors/{id}/call-sync-settings/"),
        ("post", "/api/v1/triggers/"),
        ("post", "/api/v1/callback-profiles/"),
    ]
    for method, path in gated:
        assert "409" in paths[path][method]["responses"], (method, path)
    assert "409" not in paths["/api/v1/connectors/"]["get"]["responses"]
