"""retailCRM makeCallUrl -> platforms.click_to_call -> UIS Call API start.employee_call,
over real HTTP (portal live server, UIS simulator); the legacy relay stays the fallback."""

import pytest
import requests
from django.urls import reverse

from contacts.models import UserMapping
from tests.platforms.helpers import make_uis_account
from tests.retailcrm.isolation import make_retailcrm

pytestmark = pytest.mark.django_db(transaction=True)
PARAMS = {
    "clientId": "secret-client-id",
    "phone": "+7 926 123-45-67",
    "code": "13421",
    "userId": "8",
}


@pytest.fixture
def connector(tenant):
    account = make_retailcrm(tenant)
    UserMapping.objects.create(
        tenant=tenant,
        connector=account,
        agent_id="13421",
        agent_email="j.doe@acme.com",
        crm_user_id="8",
    )
    return account


def make_call(live_server, connector, **params):
    path = reverse("retailcrm-make-call", kwargs={"connector_id": connector.pk})
    return requests.get(f"{live_server.url}{path}", params={**PARAMS, **params}, timeout=10)


def test_click_to_call_reaches_the_call_api_with_employee_and_number(
    live_server, tenant, connector, uis_sim
):
    make_uis_account(tenant, uis_sim.url)
    response = make_call(live_server, connector, code="")  # by userId through the mapping
    assert response.status_code == 200 and response.json() == {"success": True}
    (started,) = uis_sim.started
    assert started["employee"] == {"id": 13421} and started["contact"] == "79261234567"
    assert started["virtual_phone_number"] == "74951234567"


def test_platform_error_comes_back_as_a_clear_error(live_server, tenant, connector, uis_sim):
    make_uis_account(tenant, uis_sim.url)
    UserMapping.objects.for_tenant(tenant).update(agent_id="999")
    response = make_call(live_server, connector, code="999")
    assert response.status_code == 502
    body = response.json()
    assert body["success"] is False and body["error"]["code"] == "platform_error"
    assert "Employee not found" in body["errorMsg"] and "check the user mapping" in body["errorMsg"]


def test_unmapped_user_is_400(live_server, tenant, connector, uis_sim):
    make_uis_account(tenant, uis_sim.url)
    response = make_call(live_server, connector, code="", userId="77")
    assert response.status_code == 400 and response.json()["error"]["code"] == "unknown_agent"
    assert uis_sim.started == []


def test_disabled_platform_stops_click_to_call(live_server, tenant, connector, uis_sim):
    make_uis_account(tenant, uis_sim.url, enabled=False)
    response = make_call(live_server, connector)
    # no platform and no legacy relay URL of the connector's own: not configured
    connector.settings = {k: v for k, v in connector.settings.items() if k != "click_to_call_url"}
    connector.save()
    response = make_call(live_server, connector)
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_configured"
    assert uis_sim.started == []


def test_wrong_client_id_places_no_call(live_server, tenant, connector, uis_sim):
    make_uis_account(tenant, uis_sim.url)
    response = make_call(live_server, connector, clientId="nope")
    assert response.status_code == 404 and uis_sim.started == []
