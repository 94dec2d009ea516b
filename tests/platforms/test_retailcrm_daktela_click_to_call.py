"""retailCRM makeCallUrl -> platforms.click_to_call -> Daktela's activitiesCall, over real HTTP
(portal live server, Daktela simulator): the mapped agent's Daktela user dials the number."""

import pytest
import requests
from django.urls import reverse

from contacts.models import UserMapping
from platforms.models import ContactCenterAccount
from simulators.daktela import DEMO_TOKEN
from tests.retailcrm.isolation import make_retailcrm

pytestmark = pytest.mark.django_db(transaction=True)
PARAMS = {"clientId": "secret-client-id", "phone": "+420 773 794 804", "code": "", "userId": "8"}


@pytest.fixture
def connector(tenant):
    account = make_retailcrm(tenant)
    UserMapping.objects.create(
        tenant=tenant,
        connector=account,
        agent_id="jdoe",
        agent_email="j.doe@acme.com",
        crm_user_id="8",
    )
    return account


@pytest.fixture
def daktela_account(tenant, daktela_sim):
    account = ContactCenterAccount(
        tenant=tenant, kind="daktela", name="Daktela", url=daktela_sim.url
    )
    account.credentials = {"access_token": DEMO_TOKEN}
    account.save()
    return account


def make_call(live_server, connector, **params):
    path = reverse("retailcrm-make-call", kwargs={"connector_id": connector.pk})
    return requests.get(f"{live_server.url}{path}", params={**PARAMS, **params}, timeout=10)


def test_click_in_retailcrm_places_the_call_through_daktela(
    live_server, connector, daktela_account, daktela_sim
):
    response = make_call(live_server, connector)
    assert response.status_code == 200 and response.json() == {"success": True}
    (placed,) = daktela_sim.placed
    assert placed["user"] == "jdoe" and placed["number"].replace(" ", "") == "+420773794804"


def test_daktela_refusal_comes_back_to_retailcrm_as_a_clear_error(
    live_server, tenant, connector, daktela_account, daktela_sim
):
    UserMapping.objects.for_tenant(tenant).update(agent_id="ghost")
    response = make_call(live_server, connector)
    body = response.json()
    assert response.status_code == 502 and body["success"] is False
    assert "ghost" in body["errorMsg"] and "Daktela" in body["errorMsg"]
    assert daktela_sim.placed == []


def test_disabled_daktela_places_nothing(live_server, connector, daktela_account, daktela_sim):
    daktela_account.enabled = False
    daktela_account.save()
    make_call(live_server, connector)
    assert daktela_sim.placed == []
