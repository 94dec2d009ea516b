"""Authorize / Test / Disconnect / Enable / Disable, through the pages and the REST API."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from connectors.errors import AuthError, ConnectorError
from connectors.models import ConnectorAccount, ConnectorAuditEntry, ConnectorStatus
from tests.connectors.ui_stubs import use_stub
from tests.factories import make_connector


@pytest.fixture
def stub(monkeypatch):
    return use_stub(monkeypatch)


@pytest.fixture
def account(tenant):
    return make_connector(tenant, name="Sales org")


def authorized(tenant, name="Live org"):
    account = make_connector(tenant, name=name, status=ConnectorStatus.AUTHORIZED)
    account.token = {"access_token": "stored-token", "expires_at": None}
    account.save()
    return account


def post(client, action, account, **data):
    response = client.post(reverse(f"connectors:{action}", args=[account.pk]), data)
    account.refresh_from_db()
    return response, [str(m) for m in get_messages(response.wsgi_request)]


def actions(account):
    return list(
        ConnectorAuditEntry.objects.unscoped()
        .filter(connector=account)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_authorize_success_shows_the_test_call(member_client, account, stub, admin_user):
    response, msgs = post(member_client, "authorize", account)
    assert response.status_code == 302
    assert response["Location"] == reverse("connectors:configure", args=[account.pk])
    assert account.status == ConnectorStatus.AUTHORIZED and account.authorized_at
    assert account.last_error == "" and account.token["access_token"].startswith("tok-")
    assert stub.calls == ["fetch_token", "test_connection"]
    assert "Sales org is authorized" in msgs[0] and "org: Acme Org" in msgs[0]
    entry = ConnectorAuditEntry.objects.unscoped().filter(connector=account).latest("id")
    assert (entry.action, entry.actor) == ("authorized", admin_user.email)


def test_authorize_returns_to_next_on_same_site_only(member_client, account, stub):
    response, _ = post(member_client, "authorize", account, next="/integrations/")
    assert response["Location"] == "/integrations/"
    response, _ = post(member_client, "authorize", account, next="https://evil.test/")
    assert response["Location"] == reverse("connectors:configure", args=[account.pk])


def test_authorize_rejected_login_shows_reason_and_what_to_do(member_client, tenant, stub):
    account = make_connector(tenant, credentials={"password": "wrong"})
    _, msgs = post(member_client, "authorize", account)
    assert account.status == ConnectorStatus.ERROR
    assert account.last_error == "invalid_grant: authentication failure"
    assert account.token == {}
    assert "invalid_grant: authentication failure" in msgs[0]
    assert "then click Authorize again" in msgs[0]  # the hint (per kind: test_error_hints.py)
    assert actions(account) == ["created", "authorize_failed"]
    html = member_client.get(reverse("connectors:index")).content.decode()
    assert "invalid_grant: authentication failure" in html and "badge err" in html


def test_failed_test_call_stores_no_token(member_client, account, stub):
    stub.script["test_connection"] = ConnectorError("HTTP 403 from crm: API disabled", True)
    _, msgs = post(member_client, "authorize", account)
    assert account.status == ConnectorStatus.ERROR and account.token == {}
    assert "API disabled" in msgs[0] and "check the settings (Instance URI" in msgs[0]


def test_transient_failure_keeps_a_working_connector(member_client, tenant, stub):
    account = authorized(tenant)
    stub.script["fetch_token"] = ConnectorError("crm.test timed out: ReadTimeout")
    _, msgs = post(member_client, "authorize", account)
    assert account.status == ConnectorStatus.AUTHORIZED
    assert account.token["access_token"] == "stored-token"
    assert "timed out" in msgs[0] and "Try again in a few minutes" in msgs[0]
    assert actions(account)[-1] == "authorize_failed"


def test_test_connection_uses_the_stored_token(member_client, tenant, stub):
    account = authorized(tenant)
    _, msgs = post(member_client, "test", account)
    assert stub.calls == ["test_connection"]  # no new token flow
    assert msgs == ["The connection works. Test call: user: api@acme.com, org: Acme Org."]


def test_test_connection_rejected_token_needs_reauth(member_client, tenant, stub):
    account = authorized(tenant)
    stub.script["test_connection"] = AuthError("INVALID_SESSION_ID: Session expired")
    _, msgs = post(member_client, "test", account)
    assert account.status == ConnectorStatus.NEEDS_REAUTH
    assert "Session expired" in account.last_error
    assert "Click Authorize to log in again" in msgs[0]


def test_test_connection_before_authorize(member_client, account, stub):
    _, msgs = post(member_client, "test", account)
    assert stub.calls == [] and msgs == ["Sales org is not authorized yet. Click Authorize first."]


def test_disconnect_drops_the_token(member_client, tenant, stub):
    account = authorized(tenant)
    response, msgs = post(member_client, "disconnect", account, confirmed="yes")
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["success"]
    assert msgs == ["Live org is disconnected: its token was dropped."]
    assert stub.calls == []  # Salesforce registered nothing in the CRM: nothing to undo there
    assert account.status == ConnectorStatus.UNCONFIGURED and account.token == {}
    assert account.authorized_at is None and account.disconnected
    assert account.credentials["password"] == "pw"  # settings and secrets stay
    assert actions(account)[-1] == "disconnected"
    entry = ConnectorAuditEntry.objects.unscoped().filter(connector=account).latest("id")
    assert entry.changes == {}


def test_disconnect_when_the_crm_cannot_be_told(member_client, tenant, stub, monkeypatch):
    """A connector whose deactivate() fails: disconnected here, warned, audited."""

    def refuse(self):
        raise ConnectorError("HTTP 503 from crm.test: Service Unavailable")

    monkeypatch.setattr(stub, "deactivate", refuse)
    monkeypatch.setattr(stub, "deactivate_by_hand", "Remove the app in Salesforce Setup")
    account = authorized(tenant)
    response, msgs = post(member_client, "disconnect", account, confirmed="yes")
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["warning"]
    assert msgs == [
        "Live org is disconnected here, but Salesforce could not be told: HTTP 503 from "
        "crm.test: Service Unavailable. Remove the app in Salesforce Setup, or Authorize and "
        "Disconnect again."
    ]
    assert account.status == ConnectorStatus.UNCONFIGURED and account.token == {}
    entry = ConnectorAuditEntry.objects.unscoped().filter(connector=account).latest("id")
    assert entry.action == "disconnected"
    assert entry.changes == {"error": "HTTP 503 from crm.test: Service Unavailable"}


def test_disable_then_enable_restores_the_status(member_client, tenant, stub):
    account = authorized(tenant)
    post(member_client, "disable", account, confirmed="yes")
    assert account.status == ConnectorStatus.DISABLED
    assert not ConnectorAccount.objects.unscoped().usable().filter(pk=account.pk).exists()
    _, msgs = post(member_client, "authorize", account)
    assert account.status == ConnectorStatus.DISABLED and stub.calls == []
    assert "disabled" in msgs[0]
    post(member_client, "enable", account)
    assert account.status == ConnectorStatus.AUTHORIZED
    assert actions(account)[-2:] == ["disabled", "enabled"]


# --- REST: POST /api/v1/connectors/{id}/authorize/ and /test/ ---------------------------------


def test_api_authorize_success(api, account, stub):
    response = api.post(f"/api/v1/connectors/{account.pk}/authorize/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == account.pk and body["status"] == "authorized"
    assert body["authorized_at"] and body["password_set"] is True
    assert "pw" not in response.content.decode().replace("password", "")
    entry = ConnectorAuditEntry.objects.unscoped().filter(connector=account).latest("id")
    assert entry.action == "authorized" and entry.actor.startswith("api-key:")


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        (AuthError("invalid_grant: authentication failure"), "authorization_failed"),
        (ConnectorError("HTTP 503 from crm.test: down"), "crm_error"),
        (ConnectorError("Malformed JSON from crm.test (HTTP 200): <html>"), "crm_error"),
    ],
)
def test_api_authorize_failure_is_400_with_the_crm_reason(api, account, stub, failure, code):
    stub.script["fetch_token"] = failure
    response = api.post(f"/api/v1/connectors/{account.pk}/authorize/")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code and error["message"] == str(failure)
    assert error["hint"]
    account.refresh_from_db()
    assert account.status == ConnectorStatus.ERROR and account.last_error == str(failure)


def test_api_authorize_unparseable_answer_is_400_not_500(api, account, stub):
    stub.script["test_connection"] = KeyError("records")
    response = api.post(f"/api/v1/connectors/{account.pk}/authorize/")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Unexpected answer from Salesforce."


def test_api_authorize_disabled(api, tenant, stub):
    account = make_connector(tenant, status=ConnectorStatus.DISABLED)
    response = api.post(f"/api/v1/connectors/{account.pk}/authorize/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "connector_disabled" and stub.calls == []


def test_api_test_action(api, tenant, account, stub):
    live = authorized(tenant)
    response = api.post(f"/api/v1/connectors/{live.pk}/test/")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "info": {"user": "api@acme.com", "org": "Acme Org"}}
    response = api.post(f"/api/v1/connectors/{account.pk}/test/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_authorized"


def test_api_actions_of_another_tenant_are_404(other_api, account, stub):
    for action in ("authorize", "test"):
        response = other_api.post(f"/api/v1/connectors/{account.pk}/{action}/")
        assert response.status_code == 404
    assert stub.calls == []
    account.refresh_from_db()
    assert account.status == ConnectorStatus.UNCONFIGURED


def test_schema_describes_the_actions(api):
    from django.test import Client

    schema = Client().get("/api/schema/?format=json").json()
    assert "/api/v1/connectors/{id}/authorize/" in schema["paths"]
    assert "/api/v1/connectors/{id}/test/" in schema["paths"]
