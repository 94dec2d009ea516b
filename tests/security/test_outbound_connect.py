"""Connect time: Authorize, Test, relays and CRM answers go through the same outbound policy.

URLs stored before the policy (or whose DNS changed since) are refused when used: the
connector ends in `error` with the policy's message, and the listener receives nothing.
Tenant-visible messages quote the CRM's parsed error or the status line, never a raw body.
"""

import json

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from rest_framework.test import APIClient

from connectors.models import ConnectorAccount, ConnectorStatus
from platforms.models import ContactCenterAccount
from portal import netpolicy
from tests.factories import make_connector
from tests.retailcrm.isolation import make_retailcrm
from tests.security.outbound_listener import SECRET, Listener


@pytest.fixture
def strict(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    settings.HTTP_RETRIES = 0
    return settings


@pytest.fixture
def listener():
    server = Listener("127.0.0.2")
    yield server
    server.stop()


def stored(tenant, kind, url, **settings):
    """An account whose URL got in before the policy (save_account does not validate)."""
    base = {
        "salesforce": (
            {"username": "u", "client_id": "c"},
            {"password": "p", "client_secret": "s"},
        ),
        "sugarcrm": ({"username": "u", "platform": "ccportal"}, {"password": "p"}),
        "retailcrm": ({"integration_code": "ccportal"}, {"api_key": "k"}),
        "dynamics365": (
            {"client_id": "c", "directory_id": "d", "authority_host": url},
            {"client_secret": "s"},
        ),
    }[kind]
    return make_connector(
        tenant, kind, f"{kind} inside", {**base[0], "instance_url": url, **settings}, base[1]
    )


def assert_errored(response, account, code="address_not_allowed"):
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == code
    account.refresh_from_db()
    assert account.status == ConnectorStatus.ERROR
    return account.last_error


@pytest.mark.parametrize("kind", ["salesforce", "sugarcrm", "retailcrm", "dynamics365"])
def test_authorize_against_an_internal_url_ends_in_error(strict, api, tenant, listener, kind):
    # msal (Dynamics) refuses a plain-http authority itself: give it https, refused by us first
    url = listener.url.replace("http:", "https:") if kind == "dynamics365" else listener.url
    account = stored(tenant, kind, url)
    response = api.post(f"/api/v1/connectors/{account.pk}/authorize/")
    last_error = assert_errored(response, account)
    assert "127.0.0.2 is a loopback address" in last_error
    assert "OUTBOUND_ALLOWED_NETWORKS" in response.json()["error"]["message"]
    assert listener.hits == []


def test_dns_changed_since_saving_is_caught_at_connect_time(
    strict, api, tenant, listener, monkeypatch
):
    monkeypatch.setattr(
        netpolicy, "getaddrinfo", lambda h, p, *a: [(2, 1, 6, "", ("127.0.0.2", p))]
    )
    account = stored(tenant, "sugarcrm", f"http://crm.example.com:{listener.port}")
    last_error = assert_errored(api.post(f"/api/v1/connectors/{account.pk}/authorize/"), account)
    assert "crm.example.com resolves to a loopback address" in last_error
    assert listener.hits == []


def test_test_call_with_a_stored_internal_instance_url(strict, api, tenant, listener):
    account = stored(tenant, "salesforce", "https://acme.my.salesforce.com")
    account.token = {"access_token": "t", "instance_url": listener.url}  # an older token answer
    account.status = ConnectorStatus.AUTHORIZED
    account.save()
    response = api.post(f"/api/v1/connectors/{account.pk}/test/")
    assert_errored(response, account)
    assert listener.hits == []


def token_endpoint(instance_url):
    answer = {"access_token": "00D!tok", "instance_url": instance_url, "id": "x", "issued_at": "1"}
    return lambda m, p, b: (200, {"Content-Type": "application/json"}, json.dumps(answer).encode())


@pytest.mark.parametrize("form", ["ip", "name"])
def test_salesforce_token_instance_url_is_checked_before_any_call(
    strict, api, tenant, listener, monkeypatch, form
):
    strict.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]  # the login host is allowed, .2 is not
    second = listener.url
    if form == "name":
        real = netpolicy.getaddrinfo
        monkeypatch.setattr(
            netpolicy,
            "getaddrinfo",
            lambda h, p, *a: (
                [(2, 1, 6, "", ("127.0.0.2", p))] if h == "na1.evil.example" else real(h, p, *a)
            ),
        )
        second = f"http://na1.evil.example:{listener.port}"
    login = Listener("127.0.0.1", answer=token_endpoint(second))
    try:
        account = stored(tenant, "salesforce", login.url)
        response = api.post(f"/api/v1/connectors/{account.pk}/authorize/")
        last_error = assert_errored(response, account)
        assert last_error.startswith("Salesforce's token answer, instance_url: ")
        assert [p for _m, p in login.hits] == ["/services/oauth2/token"]
        assert listener.hits == [] and account.token == {}
    finally:
        login.stop()


def test_allowed_networks_let_authorize_reach_a_listed_crm(strict, api, tenant, listener):
    strict.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    account = stored(tenant, "sugarcrm", listener.url)
    api.post(f"/api/v1/connectors/{account.pk}/authorize/")
    assert listener.hits and listener.hits[0][1] == "/rest/v11/oauth2/token"


def test_click_to_call_relay_to_an_internal_url(strict, tenant, listener):
    account = make_retailcrm(tenant)
    account.settings = {**account.settings, "click_to_call_url": f"{listener.url}/originate"}
    account.save()
    url = reverse("retailcrm-make-call", kwargs={"connector_id": account.pk})
    response = APIClient().get(url, {"clientId": "secret-client-id", "phone": "+420773794804"})
    assert (
        response.status_code == 502 and "OUTBOUND_ALLOWED_NETWORKS" in response.json()["errorMsg"]
    )
    assert listener.hits == []


def daktela(tenant, url):
    account = ContactCenterAccount(tenant=tenant, name="Daktela", url=url)
    account.credentials = {"access_token": "tok"}
    account.save()
    return account


def cc_test_message(client, account) -> str:
    response = client.post(reverse("contacts:cc_test", args=[account.pk]))
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_daktela_test_page_refuses_an_internal_url(strict, member_client, tenant, listener):
    message = cc_test_message(member_client, daktela(tenant, listener.url))
    assert "127.0.0.2 is a loopback address" in message and listener.hits == []


@pytest.mark.parametrize(
    ("status", "payload", "expected"),
    [
        (500, b"<html>" + SECRET.encode(), "HTTP 500 from 127.0.0.2"),
        (404, b"<html>" + SECRET.encode(), "Daktela HTTP 404: Not Found"),
        (200, SECRET.encode(), "Malformed JSON"),
        (
            400,
            json.dumps({"error": ["name is invalid"]}).encode(),
            "Daktela HTTP 400: name is invalid",
        ),
    ],
)
def test_daktela_test_page_quotes_parsed_errors_never_bodies(
    strict, member_client, tenant, status, payload, expected
):
    strict.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.2/32"]
    server = Listener("127.0.0.2", answer=lambda m, p, b: (status, {}, payload))
    try:
        message = cc_test_message(member_client, daktela(tenant, server.url))
        assert expected in message and SECRET not in message and server.hits
    finally:
        server.stop()


@pytest.mark.parametrize("kind", ["salesforce", "sugarcrm", "retailcrm"])
@pytest.mark.parametrize("status", [500, 502, 200])
def test_authorize_messages_never_carry_other_bodies(strict, api, tenant, kind, status):
    strict.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.2/32"]
    server = Listener("127.0.0.2", answer=lambda m, p, b: (status, {}, SECRET.encode()))
    try:
        account = stored(tenant, kind, server.url)
        response = api.post(f"/api/v1/connectors/{account.pk}/authorize/")
        account.refresh_from_db()
        assert response.status_code == 400 and server.hits
        assert SECRET not in response.content.decode() and SECRET not in account.last_error
        assert ConnectorAccount.objects.unscoped().filter(last_error__contains=SECRET).count() == 0
    finally:
        server.stop()


@pytest.mark.parametrize("suffix", ["/?x=", "/#", "/?", ""])
def test_a_stored_base_url_cannot_swallow_the_api_path(strict, api, tenant, listener, suffix):
    """A `?` or `#` saved before the check: the client still sends its own API path."""
    strict.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.2/32"]
    user_info = listener.url.replace("http://", "http://admin:pw@")
    for url in (listener.url + suffix, user_info + suffix):
        account = stored(tenant, "sugarcrm", url)
        api.post(f"/api/v1/connectors/{account.pk}/authorize/")
        account.delete()
    assert [p for _m, p in listener.hits] == ["/rest/v11/oauth2/token"] * 2
