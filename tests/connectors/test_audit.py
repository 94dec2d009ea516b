"""Audit: every configuration change through the UI or the API, secrets never shown."""

from django.urls import reverse

from connectors.models import ConnectorAuditEntry
from connectors.services import record_audit
from tests.factories import make_connector

SF = {
    "kind": "salesforce",
    "name": "Sales org",
    "settings": {
        "instance_url": "https://acme.my.salesforce.com",
        "username": "api@acme.com",
        "client_id": "3MVG9",
    },
    "credentials": {"password": "Pa55-secret", "security_token": "T0k3n-x", "client_secret": "S3c"},
}


def test_api_changes_are_audited_without_secret_values(api, member_client, tenant):
    cid = api.post("/api/v1/connectors/", SF, format="json").json()["id"]
    api.patch(
        f"/api/v1/connectors/{cid}/",
        {"settings": {"username": "ops@acme.com"}, "credentials": {"password": "N3w-pass"}},
        format="json",
    )
    entries = list(ConnectorAuditEntry.objects.for_tenant(tenant).order_by("id"))
    assert [e.action for e in entries] == ["created", "updated"]
    assert all(e.actor.startswith("api-key:") for e in entries)
    assert entries[1].changes == {
        "username": {"from": "api@acme.com", "to": "ops@acme.com"},
        "password": "changed",
    }
    html = member_client.get(reverse("connectors:audit", args=[cid])).content.decode()
    assert "User name: api@acme.com → ops@acme.com" in html
    assert "Password: changed" in html and "Settings changed" in html
    for secret in ("Pa55-secret", "T0k3n-x", "S3c", "N3w-pass"):
        assert secret not in html
    api.delete(f"/api/v1/connectors/{cid}/")
    deleted = ConnectorAuditEntry.objects.for_tenant(tenant).latest("id")
    assert deleted.action == "deleted" and deleted.connector is None
    assert deleted.connector_name == "Sales org"


def test_ui_changes_are_audited_with_the_user(member_client, admin_user, tenant):
    account = make_connector(tenant, name="Sales org")
    url = reverse("connectors:configure", args=[account.pk])
    data = {
        "name": "Renamed org",
        "instance_url": "https://acme.my.salesforce.com",
        "username": "api@acme.com",
        "client_id": "3MVG9-client",
        "security_token": "new-token-value",
    }
    assert member_client.post(url, data).status_code == 302
    member_client.post(reverse("connectors:disable", args=[account.pk]), {"confirmed": "yes"})
    entries = list(ConnectorAuditEntry.objects.unscoped().filter(connector=account).order_by("id"))
    assert [e.action for e in entries] == ["created", "updated", "disabled"]
    assert entries[1].actor == admin_user.email
    assert entries[1].changes == {
        "name": {"from": "Sales org", "to": "Renamed org"},
        "security_token": "changed",
    }
    html = member_client.get(reverse("connectors:audit", args=[account.pk])).content.decode()
    assert "Name: Sales org → Renamed org" in html and "Security token: changed" in html
    assert "new-token-value" not in html and "Disabled" in html


def test_audit_pages_show_only_their_rows(member_client, tenant, other_tenant):
    mine = make_connector(tenant, name="Mine")
    other_mine = make_connector(tenant, name="Second")
    theirs = make_connector(other_tenant, name="Theirs")
    record_audit(theirs, "eve@globex.test", "updated", {"username": "changed"})
    html = member_client.get(reverse("connectors:audit", args=[mine.pk])).content.decode()
    assert "Mine" in html and "Second" not in html and "eve@globex.test" not in html
    html = member_client.get(reverse("connectors:audit_all")).content.decode()
    assert "Mine" in html and "Second" in html
    assert "Theirs" not in html and "eve@globex.test" not in html
    assert other_mine.pk


def test_audit_log_is_paginated_newest_first(member_client, tenant):
    account = make_connector(tenant, name="Busy org")
    for i in range(60):
        record_audit(account, "admin@acme.test", "updated", {"username": {"from": i, "to": i + 1}})
    url = reverse("connectors:audit", args=[account.pk])
    first = member_client.get(url).content.decode()
    assert "User name: 59 → 60" in first and "Page 1 of 2" in first
    assert "User name: 0 → 1" not in first
    second = member_client.get(url, {"page": 2}).content.decode()
    assert "User name: 0 → 1" in second and "Created" in second
