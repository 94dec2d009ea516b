import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tenants.auth import find_active_key
from tenants.models import ApiKey, hash_key


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer ", "Basic abc", "Token x"])
def test_missing_or_wrong_key_is_401(db, tenant, header):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/connectors/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] in ("not_authenticated", "authentication_failed")


def test_revoked_key_is_401(api, tenant):
    assert api.get("/api/v1/connectors/").status_code == 200
    ApiKey.objects.get(tenant=tenant).revoke()
    assert api.get("/api/v1/connectors/").status_code == 401


def test_key_of_inactive_tenant_is_401(api, tenant):
    tenant.active = False
    tenant.save()
    assert api.get("/api/v1/connectors/").status_code == 401


def test_key_is_hashed_and_last_use_recorded(api, tenant):
    key = ApiKey.objects.get(tenant=tenant)
    assert api.raw_key not in key.key_hash and key.last_used_at is None
    api.get("/api/v1/connectors/")
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_create_api_key_prints_key_alone_on_last_line(tenant, capsys):
    call_command("create_api_key", tenant.slug, "--name", "pbx")
    last = capsys.readouterr().out.strip().splitlines()[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {last}")
    assert client.get("/api/v1/settings/").json()["default_region"] == "CZ"


def test_settings_region_is_case_insensitive(api):
    body = {
        "default_region": "fi",
        "time_zone": "Europe/Helsinki",
        "dnis_regex": "D:(.+?):",
        "frame_ancestors": [],
    }
    response = api.put("/api/v1/settings/", body, format="json")
    assert response.status_code == 200 and response.json()["default_region"] == "FI"


def test_key_lookup_matches_the_orm(tenant, other_tenant):

    tenant.frame_ancestors = ["https://crm.example.com"]
    tenant.save()
    key, raw = ApiKey.issue(tenant, "k")
    found = find_active_key(hash_key(raw))
    orm = ApiKey.objects.active().select_related("tenant").get(pk=key.pk)
    assert [getattr(found, f.attname) for f in ApiKey._meta.concrete_fields] == [
        getattr(orm, f.attname) for f in ApiKey._meta.concrete_fields
    ]
    assert found.tenant == tenant and found.tenant.frame_ancestors == ["https://crm.example.com"]
    assert found.tenant.time_zone == "Europe/Prague" and found.created_at.tzinfo is not None
    assert find_active_key(hash_key(raw + "x")) is None
    key.revoke()
    assert find_active_key(hash_key(raw)) is None
