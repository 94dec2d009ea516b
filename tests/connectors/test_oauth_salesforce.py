"""The OAuth web-server flow end to end against the Salesforce simulator over real HTTP."""

from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.messages import get_messages
from django.urls import reverse

from connectors.models import ConnectorAccount, ConnectorStatus
from connectors.services import save_account


@pytest.fixture
def account(tenant, salesforce_sim):
    settings, credentials = salesforce_sim.account_settings()
    account = ConnectorAccount(tenant=tenant, kind="salesforce")
    return save_account(
        account, actor="test", name="Sales org", settings=settings, credentials=credentials
    )


def to_salesforce_and_back(client, account) -> str:
    """Start the flow in the portal, let the org's login page answer, return the callback URL."""
    start = client.post(reverse("connectors:oauth_start", args=[account.pk]))
    assert start.status_code == 302
    login_page = start["Location"]
    assert login_page.startswith(f"{account.settings['instance_url']}/services/oauth2/authorize?")
    answer = requests.get(login_page, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    assert back.path == reverse("connectors:oauth_callback")
    return f"{back.path}?{back.query}"


def test_web_flow_authorizes_with_the_simulator(member_client, account, salesforce_sim):
    response = member_client.get(to_salesforce_and_back(member_client, account))
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.status == ConnectorStatus.AUTHORIZED
    assert account.token["access_token"] and account.token["refresh_token"]
    assert salesforce_sim.token_grants == ["authorization_code"]
    message = str(list(get_messages(response.wsgi_request))[0])
    assert f"user: {salesforce_sim.USERNAME}" in message


def test_declined_in_salesforce(member_client, account, salesforce_sim):
    salesforce_sim.authorize_mode = "access_denied"
    response = member_client.get(to_salesforce_and_back(member_client, account))
    message = str(list(get_messages(response.wsgi_request))[0])
    assert "Access was declined in Salesforce: end-user denied authorization" in message
    account.refresh_from_db()
    assert account.token == {} and account.status == ConnectorStatus.UNCONFIGURED
    assert salesforce_sim.token_grants == []


def test_tampered_state_never_reaches_the_token_endpoint(member_client, account, salesforce_sim):
    callback = to_salesforce_and_back(member_client, account)
    forged = callback.replace("state=", "state=x")
    assert member_client.get(forged).status_code == 403
    account.refresh_from_db()
    assert account.token == {} and salesforce_sim.token_grants == []


def test_code_used_twice_is_refused_by_salesforce(member_client, account, salesforce_sim):
    callback = to_salesforce_and_back(member_client, account)
    member_client.get(callback)
    # A second flow that replays the first code: the simulator (like Salesforce) rejects it.
    again = to_salesforce_and_back(member_client, account)
    state = dict(p.split("=", 1) for p in urlsplit(again).query.split("&"))["state"]
    code = dict(p.split("=", 1) for p in urlsplit(callback).query.split("&"))["code"]
    response = member_client.get(
        reverse("connectors:oauth_callback"), {"state": state, "code": code}
    )
    message = str(list(get_messages(response.wsgi_request))[-1])
    assert "authorization code rejected" in message
    assert "Click 'Authorize in Salesforce' again" in message
    account.refresh_from_db()
    assert account.status == ConnectorStatus.ERROR and account.token == {}


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 200, "body": {"token_type": "Bearer", "issued_at": "1"}},  # no access_token
        {"status": 200, "raw": b"<html>maintenance</html>"},  # not JSON
    ],
)
def test_unexpected_token_response_stores_nothing(member_client, account, salesforce_sim, fault):
    callback = to_salesforce_and_back(member_client, account)
    salesforce_sim.fail_next(path="/services/oauth2/token", **fault)
    response = member_client.get(callback)
    assert response.status_code == 302
    message = str(list(get_messages(response.wsgi_request))[-1])
    assert "token response without access_token" in message or "Malformed JSON" in message
    account.refresh_from_db()
    assert account.token == {} and account.status == ConnectorStatus.ERROR
    assert account.last_error
