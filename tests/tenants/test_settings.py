"""Tenant settings: the page (admins edit, others read) and /api/v1/settings/ validation."""

import pytest

from tenants.models import Role
from tests.conftest import make_user

VALID = {
    "default_region": "fi",
    "time_zone": "Europe/Helsinki",
    "dnis_regex": r"DID=(\d+)",
    "frame_ancestors": "https://crm.example.com\n\n https://*.example.org:8443/ \n",
}


def test_admin_saves_settings(member_client, tenant):
    response = member_client.post("/settings/", VALID)
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.default_region == "FI"
    assert tenant.time_zone == "Europe/Helsinki"
    assert tenant.dnis_regex == r"DID=(\d+)"
    assert tenant.frame_ancestors == ["https://crm.example.com", "https://*.example.org:8443"]
    assert "https://crm.example.com\nhttps://*.example.org:8443" in (
        member_client.get("/settings/").content.decode()
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("default_region", "XX", "Unknown phone region"),
        ("time_zone", "Mars/Olympus", "Unknown time zone"),
        ("dnis_regex", "D:(+", "does not compile"),
        ("frame_ancestors", "https://ok.example.com\nnot a url", "is not an origin"),
        ("frame_ancestors", "javascript:alert(1)", "is not an origin"),
    ],
)
def test_invalid_settings_show_clear_errors(member_client, tenant, field, value, message):
    response = member_client.post("/settings/", {**VALID, field: value})
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert message in response.content.decode().replace("&#x27;", "'")
    tenant.refresh_from_db()
    assert tenant.default_region == "CZ"  # nothing saved


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.VIEWER])
def test_non_admin_reads_but_cannot_change(client, tenant, role):
    client.force_login(make_user(f"{role}@acme.test", tenant, role))
    page = client.get("/settings/")
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        "Only tenant admins change these settings" in html
        and '<form method="post" novalidate' not in html
    )
    response = client.post("/settings/", VALID)
    assert response.status_code == 403
    tenant.refresh_from_db()
    assert tenant.default_region == "CZ"


# --- API ----------------------------------------------------------------------------------------


def test_api_get_and_put(api, tenant):
    assert api.get("/api/v1/settings/").json() == {
        "default_region": "CZ",
        "time_zone": "Europe/Prague",
        "dnis_regex": "D:(.+?):",
        "frame_ancestors": [],
    }
    body = {
        "default_region": "FI",
        "time_zone": "Europe/Helsinki",
        "dnis_regex": "",
        "frame_ancestors": ["https://crm.example.com"],
    }
    response = api.put("/api/v1/settings/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["default_region"] == "FI"
    tenant.refresh_from_db()
    assert tenant.frame_ancestors == ["https://crm.example.com"] and tenant.dnis_regex == ""


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("default_region", "XX"),
        ("time_zone", "Nowhere/City"),
        ("dnis_regex", "(unclosed"),
        ("frame_ancestors", ["crm.example.com"]),
        ("frame_ancestors", ["https://crm.example.com/path"]),
        ("frame_ancestors", "https://crm.example.com"),
    ],
)
def test_api_rejects_invalid_values_with_400_and_fields(api, tenant, field, value):
    body = {
        "default_region": "CZ",
        "time_zone": "UTC",
        "dnis_regex": "",
        "frame_ancestors": [],
        field: value,
    }
    response = api.put("/api/v1/settings/", body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == [field]
    assert error["message"]
    tenant.refresh_from_db()
    assert tenant.time_zone == "Europe/Prague"


def test_api_settings_are_per_tenant(api, other_api, tenant, other_tenant):
    assert other_api.get("/api/v1/settings/").json()["default_region"] == "FI"
    assert api.get("/api/v1/settings/").json()["default_region"] == "CZ"
