"""Click-to-call: retailCRM -> /api/v1/retailcrm/<id>/make-call/ -> the telephony side's URL."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from connectors import services
from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount, ConnectorStatus
from connectors.retailcrm.connector import RetailCRMConnector
from simulators.retailcrm import RetailCRMSimulator
from tests.factories import make_connector
from tests.retailcrm.isolation import make_retailcrm


class Receiver:
    """A tiny HTTP server standing in for the telephony side's click-to-call endpoint."""

    def __init__(self, status: int = 200):
        self.status, self.calls = status, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.calls.append(
                    {"json": json.loads(body or b"null"), "headers": dict(self.headers)}
                )
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/originate"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def running_receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def receiver(running_receiver):
    running_receiver.status, running_receiver.calls = 200, []
    return running_receiver


@pytest.fixture
def account(tenant, receiver):
    account = make_retailcrm(tenant)
    account.settings = {**account.settings, "click_to_call_url": receiver.url}
    account.credentials = {**account.credentials, "click_to_call_token": "pbx-token"}
    account.save()
    return account


def url(pk) -> str:
    return reverse("retailcrm-make-call", kwargs={"connector_id": pk})


PARAMS = {
    "clientId": "secret-client-id",
    "phone": "+420773794804",
    "code": "jdoe",
    "userId": "8",
    "externalPhone": "+420226211245",
}


def test_get_relays_to_the_telephony_side(account, receiver):
    response = APIClient().get(url(account.pk), PARAMS)
    assert response.status_code == 200 and response.json() == {"success": True}
    assert receiver.calls[0]["json"] == {
        "phone": "+420773794804",
        "agent": {"code": "jdoe", "userId": "8"},
        "externalPhone": "+420226211245",
    }
    assert receiver.calls[0]["headers"]["Authorization"] == "Bearer pbx-token"


def test_post_form_works_too(account, receiver):
    response = APIClient().post(url(account.pk), PARAMS)  # multipart form
    assert response.status_code == 200
    assert receiver.calls[0]["json"]["phone"] == "+420773794804"


@pytest.mark.parametrize("client_id", ["wrong", "", "secret-client-i", "secret-client-idX"])
def test_wrong_client_id_is_404_and_relays_nothing(account, receiver, client_id):
    response = APIClient().get(url(account.pk), {**PARAMS, "clientId": client_id})
    assert response.status_code == 404
    assert (
        response.json()["errorMsg"] == "Not found."
        and response.json()["error"]["code"] == "not_found"
    )
    assert receiver.calls == []


def test_unknown_id_answers_exactly_like_a_wrong_client_id(account):
    unknown = APIClient().get(url(account.pk + 1000), PARAMS)
    wrong = APIClient().get(url(account.pk), {**PARAMS, "clientId": "nope"})
    assert unknown.status_code == wrong.status_code == 404
    assert unknown.json() == wrong.json()


def test_api_keys_do_not_open_it(account, api, other_api, receiver):
    """Neither another tenant's key nor the owner's key is a credential here: only clientId."""
    for client in (other_api, api):
        response = client.get(url(account.pk), {k: v for k, v in PARAMS.items() if k != "clientId"})
        assert response.status_code == 404
    assert receiver.calls == []


def test_other_kinds_and_disabled_connectors_are_404(tenant, account, receiver):
    sugar = make_connector(
        tenant,
        kind="sugarcrm",
        name="sugar",
        settings={"instance_url": "https://s.example", "username": "u", "platform": "p"},
        credentials={"password": "x", "module_client_id": "secret-client-id"},
    )
    assert APIClient().get(url(sugar.pk), PARAMS).status_code == 404
    ConnectorAccount.objects.unscoped().filter(pk=account.pk).update(
        status=ConnectorStatus.DISABLED
    )
    assert APIClient().get(url(account.pk), PARAMS).status_code == 404
    assert receiver.calls == []


def test_disconnected_connector_refuses_clearly(account, receiver, monkeypatch):
    """retailCRM could not be told (or a page was loaded before): the click is refused."""

    def unreachable(self):
        raise ConnectorError("shop.retailcrm.example unreachable: ConnectionError")

    monkeypatch.setattr(RetailCRMConnector, "deactivate", unreachable)
    assert services.disconnect_account(account, actor="admin").warning
    response = APIClient().get(url(account.pk), PARAMS)
    assert response.status_code == 409
    body = response.json()
    assert body["success"] is False and body["error"]["code"] == "disconnected"
    assert "disconnected in the contact center portal" in body["errorMsg"]
    assert "click Authorize" in body["errorMsg"]
    # Without the module's secret it is still the plain 404: nothing to probe.
    wrong = APIClient().get(url(account.pk), {**PARAMS, "clientId": "nope"})
    assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "not_found"
    assert receiver.calls == []


def test_settings_change_without_disconnect_still_relays(account, receiver):
    """Saving a setting drops the token too, but only Disconnect switches click-to-call off."""
    account.token = {"access_token": "x-api-key"}
    account.mark_authorized()
    services.save_account(account, actor="admin", credentials={"api_key": "a-new-key"})
    account.refresh_from_db()
    assert account.token == {} and account.status == ConnectorStatus.UNCONFIGURED
    assert not account.disconnected
    assert APIClient().get(url(account.pk), PARAMS).status_code == 200


def test_missing_phone_is_400(account):
    response = APIClient().get(url(account.pk), {**PARAMS, "phone": ""})
    assert response.status_code == 400 and "phone" in response.json()["errorMsg"]


def test_not_configured_is_409(account, receiver):
    account.settings = {**account.settings, "click_to_call_url": ""}
    account.save()
    response = APIClient().get(url(account.pk), PARAMS)
    assert response.status_code == 409 and response.json()["success"] is False


def test_telephony_side_failure_is_502_with_error_msg(account, receiver):
    receiver.status = 500
    response = APIClient().get(url(account.pk), PARAMS)
    assert response.status_code == 502 and "did not start the call" in response.json()["errorMsg"]


def test_telephony_side_unreachable_is_502(account, settings):
    settings.HTTP_RETRIES = 0
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    account.settings = {**account.settings, "click_to_call_url": f"http://127.0.0.1:{port}/x"}
    account.save()
    response = APIClient().get(url(account.pk), PARAMS)
    assert response.status_code == 502 and "unreachable" in response.json()["errorMsg"]


def test_schema_describes_the_endpoint(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/v1/retailcrm/{connector_id}/make-call/" in schema.content.decode()


@pytest.mark.django_db(transaction=True)
def test_end_to_end_from_retailcrm_click(live_server, settings, tenant, receiver):
    """Authorize registers makeCallUrl; the simulator then clicks like retailCRM would."""
    settings.PUBLIC_URL = live_server.url
    sim = RetailCRMSimulator().start()
    try:
        sim_settings, credentials = RetailCRMSimulator.demo_account(sim.url)
        account = make_connector(
            tenant,
            kind="retailcrm",
            settings={**sim_settings, "click_to_call_url": receiver.url},
            credentials=credentials,
        )
        account.connector.authorize()
        response = sim.click_to_call("+420 773 794 804", user_id=8, code="jdoe")
        assert response.status_code == 200 and response.json() == {"success": True}
        assert receiver.calls[0]["json"]["agent"] == {"code": "jdoe", "userId": "8"}
        assert "Authorization" not in receiver.calls[0]["headers"]  # no token configured
        sim.modules["ccportal"]["clientId"] = "forged"
        assert sim.click_to_call("+420773794804", user_id=8).status_code == 404
        assert len(receiver.calls) == 1
    finally:
        sim.stop()


@pytest.mark.django_db(transaction=True)
def test_disconnect_stops_click_to_call_and_authorize_restores_it(
    live_server, settings, tenant, receiver
):
    settings.PUBLIC_URL = live_server.url
    sim = RetailCRMSimulator().start()
    try:
        sim_settings, credentials = RetailCRMSimulator.demo_account(sim.url)
        account = make_connector(
            tenant,
            kind="retailcrm",
            settings={**sim_settings, "click_to_call_url": receiver.url},
            credentials=credentials,
        )
        assert services.authorize_account(account, actor="admin").ok
        assert sim.click_to_call("+420773794804", user_id=8, code="jdoe").status_code == 200

        account.refresh_from_db()
        result = services.disconnect_account(account, actor="admin")
        assert result.ok and not result.warning
        assert sim.modules["ccportal"]["active"] is False
        with pytest.raises(LookupError):  # retailCRM no longer offers our telephony
            sim.click_to_call("+420773794804", user_id=8, code="jdoe")
        stale = sim.click_to_call("+420773794804", user_id=8, code="jdoe", stale=True)
        assert stale.status_code == 409 and stale.json()["error"]["code"] == "disconnected"
        assert len(receiver.calls) == 1

        account.refresh_from_db()
        assert services.authorize_account(account, actor="admin").ok
        assert sim.modules["ccportal"]["active"] is True
        assert sim.click_to_call("+420773794804", user_id=8, code="jdoe").status_code == 200
        assert len(receiver.calls) == 2
    finally:
        sim.stop()


def test_click_to_call_settings_through_the_api(api, receiver):
    body = {
        "kind": "retailcrm",
        "name": "Shop",
        "settings": {
            "instance_url": "https://shop.retailcrm.example",
            "integration_code": "cc-1",
            "click_to_call_url": receiver.url,
        },
        "credentials": {"api_key": "k", "click_to_call_token": "t"},
    }
    response = api.post("/api/v1/connectors/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["click_to_call_token_set"] is True and data["api_key_set"] is True
    assert (
        "t" not in data["credentials"].values()
        and data["settings"]["click_to_call_url"] == receiver.url
    )
    bad = api.post(
        "/api/v1/connectors/",
        {
            **body,
            "name": "Shop 2",
            "settings": {**body["settings"], "click_to_call_url": "not a url"},
        },
        format="json",
    )
    assert (
        bad.status_code == 400 and "click_to_call_url" in bad.json()["error"]["fields"]["settings"]
    )
