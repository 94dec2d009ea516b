"""Authorize / Test connection / REST authorize against the Salesforce simulator over HTTP."""

import time

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from connectors.models import ConnectorAccount, ConnectorAuditEntry, ConnectorStatus
from connectors.services import save_account


@pytest.fixture
def account(tenant, salesforce_sim):
    settings, credentials = salesforce_sim.account_settings()
    return save_account(
        ConnectorAccount(tenant=tenant, kind="salesforce"),
        actor="test",
        name="Sales org",
        settings=settings,
        credentials=credentials,
    )


def act(client, action, account):
    response = client.post(reverse(f"connectors:{action}", args=[account.pk]), {"confirmed": "yes"})
    account.refresh_from_db()
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


def test_authorize_then_test_connection(member_client, account, salesforce_sim):
    message = act(member_client, "authorize", account)
    assert account.status == ConnectorStatus.AUTHORIZED
    assert f"user: {salesforce_sim.USERNAME}" in message
    assert account.state["api_usage"]["limit"] == salesforce_sim.api_limit
    html = member_client.get(reverse("connectors:index")).content.decode()
    assert f"/ {salesforce_sim.api_limit} calls" in html
    grants = list(salesforce_sim.token_grants)
    assert act(member_client, "test", account).startswith("The connection works.")
    assert salesforce_sim.token_grants == grants  # the stored token was reused


def test_expired_session_during_test_is_refreshed_transparently(
    member_client, account, salesforce_sim
):
    act(member_client, "authorize", account)
    salesforce_sim.expire_tokens()  # next REST call -> 401 INVALID_SESSION_ID
    assert act(member_client, "test", account).startswith("The connection works.")
    assert account.status == ConnectorStatus.AUTHORIZED


def test_authorize_is_bounded_by_the_http_timeout(member_client, account, salesforce_sim, settings):
    settings.HTTP_TIMEOUT_READ = 0.5
    settings.HTTP_RETRIES = 0
    salesforce_sim.fail_next(delay=3, path="/services/oauth2/token")
    started = time.monotonic()
    message = act(member_client, "authorize", account)
    assert time.monotonic() - started < 2.5
    assert "timed out" in message and "Try again in a few minutes" in message
    assert account.status == ConnectorStatus.ERROR and account.token == {}


def test_salesforce_outage_is_reported(member_client, account, salesforce_sim, settings):
    settings.HTTP_RETRIES = 0
    salesforce_sim.fail_next(
        status=503, body=[{"errorCode": "SERVER_UNAVAILABLE", "message": "down"}]
    )
    message = act(member_client, "authorize", account)
    assert "503" in message and "Try again in a few minutes" in message


def test_api_authorize_against_the_simulator(api, account, salesforce_sim):
    response = api.post(f"/api/v1/connectors/{account.pk}/authorize/")
    assert response.status_code == 200 and response.json()["status"] == "authorized"
    account.credentials = {**account.credentials, "password": "wrong-password"}
    account.save()
    response = api.post(f"/api/v1/connectors/{account.pk}/authorize/")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "authorization_failed"
    assert "authentication failure" in error["message"]


def test_disconnect_only_drops_the_token(member_client, account, salesforce_sim):
    """Salesforce registers nothing at Authorize, so Disconnect sends nothing to it."""
    act(member_client, "authorize", account)
    before = list(salesforce_sim.requests)
    assert act(member_client, "disconnect", account) == (
        "Sales org is disconnected: its token was dropped."
    )
    assert salesforce_sim.requests == before
    assert account.status == ConnectorStatus.UNCONFIGURED and account.token == {}
    entry = ConnectorAuditEntry.objects.unscoped().filter(connector=account).latest("id")
    assert (entry.action, entry.changes) == ("disconnected", {})
    assert act(member_client, "authorize", account).startswith("Sales org is authorized")
    assert account.status == ConnectorStatus.AUTHORIZED and "disconnected_at" not in account.state
