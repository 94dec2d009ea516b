"""Agent status: retailCRM's changeUserStatusUrl -> AgentStatus -> UIS update.employees
(calls_available), over real HTTP; shown on the user-mappings page."""

import pytest
import requests
from django.urls import reverse

from connectors.retailcrm.connector import RetailCRMConnector
from contacts.models import UserMapping
from platforms.models import AgentStatus
from tests.platforms.helpers import make_uis_account
from tests.retailcrm.isolation import make_retailcrm

pytestmark = pytest.mark.django_db(transaction=True)


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


def change(live_server, connector, **data):
    path = reverse("retailcrm-user-status", kwargs={"connector_id": connector.pk})
    body = {"clientId": "secret-client-id", "userId": "8", **data}
    return requests.post(f"{live_server.url}{path}", data=body, timeout=10)


def test_module_registers_change_user_status_url(connector):
    payload = RetailCRMConnector(connector).module_payload()
    url = payload["integrations"]["telephony"]["changeUserStatusUrl"]
    assert url.endswith(f"/api/v1/retailcrm/{connector.pk}/user-status/")


def test_status_change_reaches_uis(live_server, tenant, connector, uis_sim):
    make_uis_account(tenant, uis_sim.url)
    response = change(live_server, connector, status="dinner")
    assert response.status_code == 200 and response.json() == {"success": True}
    row = AgentStatus.objects.for_tenant(tenant).get(agent_id="13421")
    assert row.status == "away" and row.source == f"retailcrm:{connector.pk}"
    assert uis_sim.employee(13421)["calls_available"] is False
    since = row.since
    assert change(live_server, connector, status="free").status_code == 200
    row.refresh_from_db()
    assert row.status == "available" and row.since > since
    assert uis_sim.employee(13421)["calls_available"] is True
    assert [u["calls_available"] for u in uis_sim.updates] == [False, True]


def test_disabled_platform_gets_no_status(live_server, tenant, connector, uis_sim):
    make_uis_account(tenant, uis_sim.url, enabled=False)
    assert change(live_server, connector, status="busy").status_code == 200
    assert uis_sim.updates == []
    assert AgentStatus.objects.for_tenant(tenant).get(agent_id="13421").status == "busy"


def test_platform_refusal_is_a_clear_error(live_server, tenant, connector, uis_sim):
    make_uis_account(tenant, uis_sim.url)
    uis_sim.fail_rpc(-32003, "forbidden")
    response = change(live_server, connector, status="busy")
    assert response.status_code == 502 and "grant it in UIS" in response.json()["errorMsg"]


def test_bad_status_wrong_client_and_unmapped_user(live_server, tenant, connector, uis_sim):
    make_uis_account(tenant, uis_sim.url)
    assert change(live_server, connector, status="sleeping").status_code == 400
    assert change(live_server, connector, status="free", clientId="x").status_code == 404
    response = change(live_server, connector, status="free", userId="99")
    assert response.status_code == 400 and response.json()["error"]["code"] == "unknown_agent"
    assert uis_sim.updates == [] and not AgentStatus.objects.unscoped().exists()


def test_user_mappings_page_shows_status(client, admin_user, tenant, connector):
    AgentStatus.objects.create(tenant=tenant, agent_id="13421", status="busy", source="x")
    client.force_login(admin_user)
    url = f"{reverse('contacts:user_mappings')}?connector={connector.pk}&users=0"
    body = client.get(url).content.decode()
    assert '<span class="badge warn">busy</span>' in body and "since " in body
