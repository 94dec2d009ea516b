"""API keys page: admins list, create (raw key shown once) and revoke; others get 403."""

import re

import pytest
from rest_framework.test import APIClient

from tenants.models import ApiKey, Role
from tests.conftest import make_user


def _bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_create_shows_key_once_and_it_works(member_client, admin_user, tenant):
    response = member_client.post("/api-keys/", {"name": "Daktela events"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    raw = re.search(r'value="(cck_[^"]+)"', html).group(1)
    key = ApiKey.objects.get(tenant=tenant, name="Daktela events")
    assert key.created_by == admin_user and raw.startswith(key.prefix)
    assert raw not in key.key_hash
    assert _bearer(raw).get("/api/v1/settings/").status_code == 200
    listing = member_client.get("/api-keys/").content.decode()
    assert "Daktela events" in listing and key.prefix in listing and raw not in listing


def test_create_needs_a_name(member_client, tenant):
    response = member_client.post("/api-keys/", {"name": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not ApiKey.objects.filter(tenant=tenant).exists()


def test_list_shows_only_this_tenants_keys(member_client, tenant, other_tenant):
    ApiKey.issue(tenant, "ours")
    ApiKey.issue(other_tenant, "theirs")
    html = member_client.get("/api-keys/").content.decode()
    assert "ours" in html and "theirs" not in html


def test_empty_list_shows_empty_state(member_client):
    assert "No API keys yet" in member_client.get("/api-keys/").content.decode()


def test_revoke_asks_then_revokes(member_client, tenant):
    key, raw = ApiKey.issue(tenant, "pbx")
    url = f"/api-keys/{key.pk}/revoke/"
    confirm = member_client.get(url)
    assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
    key.refresh_from_db()
    assert not key.revoked  # GET only asks
    response = member_client.post(url)
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked
    assert _bearer(raw).get("/api/v1/settings/").status_code == 401
    assert "revoked" in member_client.get("/api-keys/").content.decode()


def test_revoke_of_another_tenants_key_is_404(member_client, other_tenant):
    key, raw = ApiKey.issue(other_tenant, "theirs")
    assert member_client.post(f"/api-keys/{key.pk}/revoke/").status_code == 404
    key.refresh_from_db()
    assert not key.revoked


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.VIEWER])
def test_non_admins_cannot_see_create_or_revoke(client, tenant, role):
    client.force_login(make_user(f"{role}@acme.test", tenant, role))
    key, _raw = ApiKey.issue(tenant, "pbx")
    assert client.get("/api-keys/").status_code == 403
    assert client.post("/api-keys/", {"name": "sneaky"}).status_code == 403
    assert client.post(f"/api-keys/{key.pk}/revoke/").status_code == 403
    assert not ApiKey.objects.filter(name="sneaky").exists()
    key.refresh_from_db()
    assert not key.revoked
