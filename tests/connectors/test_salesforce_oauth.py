"""The OAuth web-server flow (orgs that block the password flow) and token refresh."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from connectors.errors import AuthError
from connectors.models import ConnectorStatus
from connectors.salesforce.connector import SalesforceConnector
from tests.factories import make_connector

CALLBACK = "https://portal.example.com/integrations/oauth/callback/"


@pytest.fixture
def web_sf(tenant, sf_sim):
    """An account configured for the web flow only: no user name / password."""
    settings, credentials = sf_sim.account_settings()
    settings["username"] = ""
    account = make_connector(
        tenant, "salesforce", "SF web", settings, {"client_secret": credentials["client_secret"]}
    )
    return SalesforceConnector(account)


def follow_authorize(sf, state="st-123"):
    url = sf.authorization_url(state, CALLBACK)
    response = requests.get(url, allow_redirects=False, timeout=5)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(CALLBACK)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_authorization_url_carries_client_redirect_state_and_scopes(web_sf, sf_sim):
    query = parse_qs(urlsplit(web_sf.authorization_url("abc", CALLBACK)).query)
    assert web_sf.authorization_url("abc", CALLBACK).startswith(
        f"{sf_sim.url}/services/oauth2/authorize?"
    )
    assert query == {
        "response_type": ["code"],
        "client_id": [sf_sim.CLIENT_ID],
        "redirect_uri": [CALLBACK],
        "state": ["abc"],
        "scope": ["api refresh_token"],
    }


def test_code_exchange_gives_a_refresh_token_used_on_expiry(web_sf, sf_sim):
    params = follow_authorize(web_sf)
    assert params["state"] == "st-123"
    info = web_sf.authorize_with_code(params["code"], CALLBACK)
    web_sf.account.refresh_from_db()
    assert web_sf.account.status == ConnectorStatus.AUTHORIZED
    assert info["user"] == sf_sim.USERNAME
    assert web_sf.account.token["refresh_token"]
    sf_sim.expire_tokens()
    assert len(web_sf.list_users()) == 10
    assert sf_sim.token_grants == ["authorization_code", "refresh_token"]
    web_sf.account.refresh_from_db()
    assert web_sf.account.token["refresh_token"]  # kept: Salesforce does not rotate it
    # Authorize again (API button) on a web-flow account uses the stored refresh token.
    assert web_sf.authorize()["user"] == sf_sim.USERNAME


def test_revoked_refresh_token_needs_reauthorization(web_sf, sf_sim):
    params = follow_authorize(web_sf)
    web_sf.authorize_with_code(params["code"], CALLBACK)
    sf_sim.expire_tokens()
    sf_sim.revoke_refresh_tokens()
    with pytest.raises(AuthError, match="refresh token rejected"):
        web_sf.list_users()
    web_sf.account.refresh_from_db()
    assert web_sf.account.status == ConnectorStatus.NEEDS_REAUTH


def test_code_is_single_use_and_bound_to_the_redirect_uri(web_sf):
    code = follow_authorize(web_sf)["code"]
    with pytest.raises(AuthError, match="authorization code rejected: redirect_uri mismatch"):
        web_sf.exchange_code(code, "https://evil.example.com/cb")
    code = follow_authorize(web_sf)["code"]
    web_sf.exchange_code(code, CALLBACK)
    with pytest.raises(AuthError, match="authorization code rejected"):
        web_sf.exchange_code(code, CALLBACK)


def test_user_denies_access(web_sf, sf_sim):
    sf_sim.authorize_mode = "access_denied"
    params = follow_authorize(web_sf, state="s1")
    assert params == {
        "error": "access_denied",
        "error_description": "end-user denied authorization",
        "state": "s1",
    }


def test_web_flow_account_without_tokens_asks_for_authorize_in_salesforce(web_sf):
    with pytest.raises(AuthError, match="Authorize in Salesforce"):
        web_sf.authorize()
