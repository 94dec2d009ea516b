"""Dynamics 365 tokens: msal against the HTTPS simulator, AADSTS errors, refresh, TLS trust."""

import time

import certifi
import msal
import pytest
import requests

from connectors.dynamics365.connector import Dynamics365Connector
from connectors.errors import AuthError, ConnectorError
from connectors.models import ConnectorStatus
from simulators.dynamics365 import data as sim_data
from tests.connectors import test_dynamics_support as support
from tests.connectors.test_dynamics_support import connector_for, make_account

account = support.account  # fixture
dyn = support.dyn  # fixture
sim = support.sim  # fixture
_running_sim = support._running_sim  # fixture


def test_msal_itself_gets_a_token_from_the_simulator(sim):
    """Independent client check: plain msal, its own requests.Session trusting the sim's CA."""
    session = requests.Session()
    session.verify = str(sim.ca_file())
    session.trust_env = False  # else a global REQUESTS_CA_BUNDLE would override session.verify
    app = msal.ConfidentialClientApplication(
        sim_data.CLIENT_ID,
        client_credential=sim_data.CLIENT_SECRET,
        authority=f"{sim.url}/{sim_data.TENANT_ID}",
        http_client=session,
        instance_discovery=False,
    )
    result = app.acquire_token_for_client(scopes=[f"{sim.url}/.default"])
    assert result["token_type"] == "Bearer" and result["access_token"] in sim.tokens
    assert result["expires_in"] > 3000

    bad = msal.ConfidentialClientApplication(
        sim_data.CLIENT_ID,
        client_credential="wrong",
        authority=f"{sim.url}/{sim_data.TENANT_ID}",
        http_client=session,
        instance_discovery=False,
    )
    error = bad.acquire_token_for_client(scopes=[f"{sim.url}/.default"])  # a dict, no exception
    assert error["error"] == "invalid_client"
    assert error["error_description"].startswith("AADSTS7000215")


def test_authorize_gets_token_and_runs_who_am_i(sim, account):
    connector = connector_for(account, sim)
    info = connector.authorize()
    assert info["user_id"] == sim_data.APP_USER_ID
    assert info["organization_id"] == sim_data.ORGANIZATION_ID
    account.refresh_from_db()
    assert account.status == ConnectorStatus.AUTHORIZED
    token = account.token
    assert token["access_token"] in sim.tokens
    assert 3500 < token["expires_at"] - time.time() <= 3600
    # the token request was the OAuth client-credentials grant for {instance}/.default
    assert ("POST", f"/{sim_data.TENANT_ID}/oauth2/v2.0/token") in sim.requests


def test_token_lifetime_comes_from_expires_in(sim, account):
    sim.token_lifetime = 600
    token = connector_for(account, sim).fetch_token()
    assert 590 < token.expires_at - time.time() <= 600
    assert token.instance_url == sim.url


@pytest.mark.parametrize(
    "overrides, credentials, code, words",
    [
        ({}, {"client_secret": "not-it"}, "AADSTS7000215", "secret is wrong"),
        ({"client_id": "11111111-2222-4333-8444-555555555555"}, None, "AADSTS700016", "client ID"),
        ({"directory_id": "no-such-tenant.example"}, None, "AADSTS90002", "Directory (tenant) ID"),
    ],
)
def test_bad_credentials_raise_auth_error_with_a_helpful_message(
    tenant, sim, overrides, credentials, code, words
):
    account = make_account(tenant, sim, settings=overrides, credentials=credentials)
    with pytest.raises(AuthError) as caught:
        connector_for(account, sim).authorize()
    assert caught.value.permanent
    assert code in str(caught.value) and words in str(caught.value)
    account.refresh_from_db()
    assert account.status != ConnectorStatus.AUTHORIZED


def test_domain_name_works_as_directory_id(tenant, sim):
    account = make_account(tenant, sim, settings={"directory_id": sim_data.TENANT_DOMAIN})
    assert connector_for(account, sim).authorize()["user_id"] == sim_data.APP_USER_ID


def test_wrong_instance_url_is_reported(tenant, sim):
    account = make_account(tenant, sim, settings={"instance_url": sim.url + "/otherorg"})
    with pytest.raises(AuthError, match="AADSTS500011"):
        connector_for(account, sim).authorize()


def test_expired_token_is_refreshed_once_and_the_call_retried(sim, dyn, account):
    first = account.token["access_token"]
    requested = sim.token_requests
    sim.expire_tokens()  # Dataverse now answers 401
    queues = dyn.list_queues()
    assert len(queues) == 4
    assert sim.token_requests == requested + 1
    account.refresh_from_db()
    assert account.token["access_token"] != first and account.token["access_token"] in sim.tokens


def test_refresh_that_fails_for_good_needs_reauth(sim, dyn, account):
    sim.apps[sim_data.CLIENT_ID] = (sim_data.TENANT_ID, "rotated-secret")  # secret revoked
    sim.expire_tokens()
    with pytest.raises(AuthError, match="AADSTS7000215"):
        dyn.list_users()
    account.refresh_from_db()
    assert account.status == ConnectorStatus.NEEDS_REAUTH
    assert "secret" in account.last_error


def test_tls_verification_is_on_without_the_ca(sim, account, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    connector = Dynamics365Connector(account, session=requests.Session())  # system trust only
    with pytest.raises(ConnectorError) as caught:
        connector.authorize()
    assert caught.value.permanent
    assert "TLS error" in str(caught.value) and "localhost" in str(caught.value)


def test_a_global_ca_bundle_without_the_sim_ca_also_fails(sim, account, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    with pytest.raises(ConnectorError, match="TLS error"):
        Dynamics365Connector(account, session=requests.Session()).authorize()


def test_session_verify_wins_over_a_global_ca_bundle(sim, account, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())  # does not trust the simulator
    assert connector_for(account, sim).authorize()["user_id"] == sim_data.APP_USER_ID


def test_global_ca_bundle_is_used_when_no_session_is_given(sim, account, monkeypatch):
    """How the demo runs: REQUESTS_CA_BUNDLE=.local/ca-bundle.pem trusts the simulators."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(sim.ca_file()))
    assert Dynamics365Connector(account).authorize()["user_id"] == sim_data.APP_USER_ID
