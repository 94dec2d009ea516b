"""Save time: every URL setting is checked by the outbound policy, in the API and the forms.

A refused host is a 400 `address_not_allowed` naming the field and the operator's setting
(API.md); a base URL whose `#`, `?` or user info would let the tenant pick the path is a 400.
"""

import pytest
from django.urls import reverse

from connectors.models import ConnectorAccount
from platforms.models import ContactCenterAccount
from portal import netpolicy
from tests.factories import make_connector
from tests.security.outbound_listener import Listener

REFUSED_HOSTS = [
    "127.0.0.1",
    "localhost",
    "0.0.0.0",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "169.254.169.254",
    "10.0.0.1",
    "[fd00::1]",
    "metadata.google.internal",
]
BASE = {
    "salesforce": ({"client_id": "3MVG9"}, {"client_secret": "s", "password": "p"}),
    "sugarcrm": ({"username": "u"}, {"password": "p"}),
    "retailcrm": ({"integration_code": "ccportal"}, {"api_key": "k"}),
    "dynamics365": (
        {"client_id": "c", "directory_id": "d", "instance_url": "https://org.crm4.dynamics.com"},
        {"client_secret": "s"},
    ),
}
URL_FIELDS = [
    ("salesforce", "instance_url"),
    ("sugarcrm", "instance_url"),
    ("retailcrm", "instance_url"),
    ("retailcrm", "click_to_call_url"),
    ("dynamics365", "instance_url"),
    ("dynamics365", "authority_host"),
]


@pytest.fixture
def strict(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    return settings


@pytest.fixture
def listener():
    server = Listener("127.0.0.1")
    yield server
    server.stop()


def body(kind, field, url):
    settings, credentials = BASE[kind]
    settings = {"instance_url": "https://acme.example.com", **settings, field: url}
    return {
        "kind": kind,
        "name": f"{kind} {field}",
        "settings": settings,
        "credentials": credentials,
    }


def assert_refused(response, bucket_field):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    bucket, _, field = bucket_field.rpartition(".")
    fields = error["fields"][bucket] if bucket else error["fields"]
    assert error["code"] == "address_not_allowed" and field in fields
    assert error["message"].startswith(f"{bucket_field}: ")
    assert "OUTBOUND_ALLOWED_NETWORKS" in error["message"]


@pytest.mark.parametrize(("kind", "field"), URL_FIELDS)
@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_api_refuses_internal_urls_in_every_setting(strict, api, listener, kind, field, host):
    port = f":{listener.port}" if host != "metadata.google.internal" else ""
    response = api.post("/api/v1/connectors/", body(kind, field, f"http://{host}{port}/"), "json")
    assert_refused(response, f"settings.{field}")
    assert not ConnectorAccount.objects.unscoped().exists() and listener.hits == []


def test_api_patch_is_checked_too(strict, api, tenant):
    account = make_connector(tenant)
    url = f"/api/v1/connectors/{account.pk}/"
    response = api.patch(url, {"settings": {"instance_url": "http://169.254.169.254"}}, "json")
    assert_refused(response, "settings.instance_url")
    account.refresh_from_db()
    assert account.settings["instance_url"] == "https://acme.my.salesforce.com"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/latest/meta-data/#",
        "https://evil.example/x?",
        "https://evil.example/?path=",
        "https://user:pw@acme.example.com",
    ],
)
def test_base_urls_cannot_choose_the_path(strict, api, url):
    response = api.post("/api/v1/connectors/", body("sugarcrm", "instance_url", url), "json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and "instance_url" in error["fields"]["settings"]


def test_a_click_to_call_url_may_carry_a_query(strict, api, resolver_public):
    data = body("retailcrm", "click_to_call_url", "https://pbx.example.com/call?line=2")
    assert api.post("/api/v1/connectors/", data, "json").status_code == 201


@pytest.fixture
def resolver_public(monkeypatch):
    """Names resolve to a public address (no DNS in CI)."""

    monkeypatch.setattr(
        netpolicy, "getaddrinfo", lambda host, port, *a: [(2, 1, 6, "", ("8.8.8.8", port))]
    )


def test_a_public_name_is_accepted_and_a_name_resolving_inside_is_not(strict, api, monkeypatch):

    answers = {"crm.example.com": "8.8.8.8", "crm.evil.example": "127.0.0.1"}
    monkeypatch.setattr(netpolicy, "getaddrinfo", lambda h, p, *a: [(2, 1, 6, "", (answers[h], p))])
    ok = api.post(
        "/api/v1/connectors/", body("sugarcrm", "instance_url", "https://crm.example.com"), "json"
    )
    assert ok.status_code == 201, ok.content
    bad = body("salesforce", "instance_url", "https://crm.evil.example")
    response = api.post("/api/v1/connectors/", bad, "json")
    assert_refused(response, "settings.instance_url")
    assert "crm.evil.example resolves to a loopback address" in response.json()["error"]["message"]


def test_allowed_networks_accept_a_listed_network(strict, api, listener):
    strict.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    response = api.post(
        "/api/v1/connectors/", body("sugarcrm", "instance_url", listener.url), "json"
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_contact_center_api_refuses_internal_urls(strict, api, host):
    data = {"kind": "daktela", "name": "D", "url": f"http://{host}/", "access_token": "t"}
    response = api.post("/api/v1/contact-center/", data, "json")
    assert_refused(response, "url")
    assert not ContactCenterAccount.objects.unscoped().exists()


def test_configure_form_refuses_with_a_400_naming_the_setting(strict, member_client):
    data = {
        "name": "Sales",
        "instance_url": "http://169.254.169.254/latest/meta-data/",
        "client_id": "3MVG9",
        "client_secret": "s",
    }
    response = member_client.post(reverse("connectors:add", args=["salesforce"]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "169.254.169.254 is a link-local address" in html and "OUTBOUND_ALLOWED_NETWORKS" in html
    assert not ConnectorAccount.objects.unscoped().exists()


@pytest.mark.parametrize("host", ["127.0.0.1", "[fd00::1]", "metadata.google.internal"])
def test_daktela_form_refuses_with_a_400(strict, member_client, host):
    data = {"name": "D", "url": f"https://{host}", "access_token": "t", "enabled": "on"}
    response = member_client.post(reverse("contacts:cc_index"), data)
    assert response.status_code == 400
    assert "OUTBOUND_ALLOWED_NETWORKS" in response.content.decode()
    assert not ContactCenterAccount.objects.unscoped().exists()
