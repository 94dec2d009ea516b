"""OAuth web-server flow: state bound to (account, tenant) in the session, strict callback."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

import connectors.oauth
from connectors.errors import ConnectorError
from connectors.models import ConnectorAuditEntry, ConnectorStatus
from connectors.oauth import SESSION_KEY
from connectors.types import Token
from tenants.models import Membership, Role
from tests.conftest import make_tenant
from tests.connectors.ui_stubs import use_stub
from tests.factories import make_connector

CALLBACK = reverse("connectors:oauth_callback")


@pytest.fixture
def stub(monkeypatch):
    return use_stub(monkeypatch)


@pytest.fixture
def account(tenant):
    return make_connector(tenant, name="Sales org")


def start(client, account) -> str:
    response = client.post(reverse("connectors:oauth_start", args=[account.pk]))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.netloc == "login.crm.test"
    query = parse_qs(location.query)
    assert query["redirect_uri"] == [f"http://testserver{CALLBACK}"]
    return query["state"][0]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def audit_actions(account) -> list[str]:
    return list(
        ConnectorAuditEntry.objects.unscoped()
        .filter(connector=account)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_success_stores_token_tests_and_marks_authorized(member_client, account, stub):
    state = start(member_client, account)
    assert state in member_client.session[SESSION_KEY]
    response = member_client.get(CALLBACK, {"state": state, "code": "good-code"})
    assert response.status_code == 302
    assert response["Location"] == reverse("connectors:configure", args=[account.pk])
    account.refresh_from_db()
    assert account.status == ConnectorStatus.AUTHORIZED
    assert account.token["access_token"] == "web-token" and account.token["refresh_token"] == "r1"
    assert stub.calls == ["authorization_url", "exchange_code", "test_connection"]
    assert "org: Acme Org" in messages_of(response)[0]
    assert audit_actions(account)[-1] == "authorized"
    # The state is single-use: replaying the same callback is refused.
    replay = member_client.get(CALLBACK, {"state": state, "code": "good-code"})
    assert replay.status_code == 403


def test_state_mismatch_is_403_and_stores_nothing(member_client, account, stub):
    start(member_client, account)
    response = member_client.get(CALLBACK, {"state": "forged-state", "code": "good-code"})
    assert response.status_code == 403
    assert "not started from this browser session" in response.content.decode()
    account.refresh_from_db()
    assert account.token == {} and account.status == ConnectorStatus.UNCONFIGURED
    assert "exchange_code" not in stub.calls


def test_missing_state_is_403(member_client, account, stub):
    start(member_client, account)
    response = member_client.get(CALLBACK, {"code": "good-code"})
    assert response.status_code == 403 and "without the state" in response.content.decode()
    # No flow started in this session at all:
    member_client.session.flush()
    assert member_client.get(CALLBACK, {"state": "x", "code": "good-code"}).status_code in (
        302,
        403,
    )
    account.refresh_from_db()
    assert account.token == {} and "exchange_code" not in stub.calls


def test_expired_state_is_refused(member_client, account, stub, monkeypatch):
    state = start(member_client, account)

    later = connectors.oauth.time.time() + connectors.oauth.STATE_TTL_SECONDS + 1
    monkeypatch.setattr(connectors.oauth.time, "time", lambda: later)
    assert member_client.get(CALLBACK, {"state": state, "code": "good-code"}).status_code == 403
    assert "exchange_code" not in stub.calls


def test_provider_error_shows_a_message_and_stores_nothing(member_client, account, stub):
    state = start(member_client, account)
    response = member_client.get(
        CALLBACK,
        {
            "state": state,
            "error": "access_denied",
            "error_description": "end-user denied authorization",
        },
    )
    assert response.status_code == 302
    msg = messages_of(response)[0]
    assert "Access was declined in Salesforce: end-user denied authorization" in msg
    assert "click 'Authorize in Salesforce' again" in msg
    account.refresh_from_db()
    assert account.token == {} and account.status == ConnectorStatus.UNCONFIGURED
    assert "exchange_code" not in stub.calls
    assert audit_actions(account)[-1] == "authorize_failed"


def test_unexpected_token_response_stores_nothing(member_client, account, stub):
    stub.script["exchange_code"] = Token(access_token="")  # 200 without a token
    state = start(member_client, account)
    response = member_client.get(CALLBACK, {"state": state, "code": "good-code"})
    assert "answered without an access token" in messages_of(response)[0]
    account.refresh_from_db()
    assert account.token == {} and account.status == ConnectorStatus.ERROR

    stub.script["exchange_code"] = ConnectorError("Malformed JSON from crm.test (HTTP 200): <h")
    state = start(member_client, account)
    response = member_client.get(CALLBACK, {"state": state, "code": "good-code"})
    assert "Malformed JSON" in messages_of(response)[-1]
    account.refresh_from_db()
    assert account.token == {} and "test_connection" not in stub.calls


def test_rejected_code(member_client, account, stub):
    state = start(member_client, account)
    response = member_client.get(CALLBACK, {"state": state, "code": "stale-code"})
    assert "expired authorization code" in messages_of(response)[0]
    account.refresh_from_db()
    assert account.status == ConnectorStatus.ERROR and account.token == {}


def test_state_is_bound_to_the_tenant(member_client, account, stub, admin_user):
    state = start(member_client, account)
    other = make_tenant("initech")
    Membership.objects.create(user=admin_user, tenant=other, role=Role.ADMIN)
    member_client.post(reverse("tenants:switch"), {"tenant": other.pk})
    response = member_client.get(CALLBACK, {"state": state, "code": "good-code"})
    assert response.status_code == 403 and "another tenant" in response.content.decode()
    account.refresh_from_db()
    assert account.token == {} and "exchange_code" not in stub.calls


def test_callback_needs_an_admin(client, viewer_user, account, stub):
    client.force_login(viewer_user)
    assert client.get(CALLBACK, {"state": "s", "code": "good-code"}).status_code == 403
    assert client.post(reverse("connectors:oauth_start", args=[account.pk])).status_code == 403


def test_kind_without_web_flow(member_client, tenant):
    account = make_connector(
        tenant,
        kind="retailcrm",
        settings={"instance_url": "https://shop.retailcrm.ru", "integration_code": "cc"},
        credentials={"api_key": "k"},
    )
    response = member_client.post(reverse("connectors:oauth_start", args=[account.pk]))
    assert response.status_code == 302 and SESSION_KEY not in member_client.session
    assert "has no web login flow" in messages_of(response)[0]
