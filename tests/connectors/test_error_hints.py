"""Error hints per CRM kind, over real HTTP against the simulators (issue 17, item 6).

The hint says what to check for *this* kind's login, does not repeat what the CRM's message
already says, and no message carries a Python class name.
"""

import socket

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from connectors import services
from connectors.errors import ConnectorError
from portal import http
from simulators.retailcrm import RetailCRMSimulator
from simulators.salesforce import SalesforceSimulator
from simulators.sugarcrm import SugarCRMSimulator
from tests.connectors import test_dynamics_support as support
from tests.connectors.test_dynamics_support import connector_for, make_account
from tests.factories import make_connector

sim = support.sim  # fixture
_running_sim = support._running_sim  # fixture


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def authorize(client, account) -> str:
    response = client.post(reverse("connectors:authorize", args=[account.pk]))
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_retailcrm_wrong_api_key_is_told_to_check_the_api_key(
    member_client, tenant, start_simulator
):
    retail = start_simulator(RetailCRMSimulator)
    settings, _ = RetailCRMSimulator.demo_account(retail.url)
    account = make_connector(
        tenant, kind="retailcrm", settings=settings, credentials={"api_key": "wrong"}
    )
    message = authorize(member_client, account)
    assert "API key" in message
    assert "user name" not in message.lower() and "password" not in message.lower()
    assert "client id" not in message.lower()


def test_sugarcrm_wrong_password_names_sugar_fields(member_client, tenant, start_simulator):
    sugar = start_simulator(SugarCRMSimulator)
    settings, _ = SugarCRMSimulator.demo_account(sugar.url)
    account = make_connector(
        tenant, kind="sugarcrm", settings=settings, credentials={"password": "wrong"}
    )
    message = authorize(member_client, account)
    assert "User name, Password and Platform" in message
    assert "client id" not in message.lower() and "API key" not in message


def test_salesforce_hint_does_not_repeat_the_message(member_client, tenant, salesforce_sim):
    settings, credentials = SalesforceSimulator.demo_account(salesforce_sim.url)
    account = make_connector(
        tenant, settings=settings, credentials={**credentials, "password": "not-it"}
    )
    message = authorize(member_client, account)
    assert "check user name, password + security token" in message  # the CRM's reason, once
    assert message.lower().count("password") == 1
    assert "Fix it in the settings, then click Authorize again." in message


def test_unreachable_crm_says_so_in_words(member_client, tenant):
    settings = {"instance_url": f"http://127.0.0.1:{closed_port()}", "integration_code": "x"}
    account = make_connector(
        tenant, kind="retailcrm", settings=settings, credentials={"api_key": "k"}
    )
    message = authorize(member_client, account)
    assert "unreachable" in message and "the connection failed" in message
    assert "ConnectionError" not in message and "Error:" not in message
    assert "Try again in a few minutes" in message


def test_seam_timeout_and_connection_messages_carry_no_class_names():
    with pytest.raises(Exception) as caught:
        http.request("GET", f"http://127.0.0.1:{closed_port()}/", retries=0)
    assert "unreachable" in str(caught.value)
    assert "ConnectionError" not in str(caught.value) and "NewConnectionError" not in str(
        caught.value
    )


def test_dynamics_wrong_authority_host_is_blamed_on_the_authority(tenant, sim):
    authority = f"https://127.0.0.1:{closed_port()}"
    account = make_account(tenant, sim, settings={"authority_host": authority})
    with pytest.raises(ConnectorError) as caught:
        connector_for(account, sim).authorize()
    code, hint = services.explain(caught.value, "dynamics365")
    assert code == "crm_error"
    assert "Authority host" in hint and "Instance URI" not in hint
    assert "ConnectionError" not in str(caught.value)


def test_dynamics_wrong_secret_names_the_secret_once(tenant, sim):
    account = make_account(tenant, sim, credentials={"client_secret": "wrong"})
    with pytest.raises(ConnectorError) as caught:
        connector_for(account, sim).authorize()
    code, hint = services.explain(caught.value, "dynamics365")
    assert code == "authorization_failed"
    assert "application secret is wrong" in str(caught.value)
    assert "secret" not in hint.lower()  # the message said it: the hint does not repeat it


def test_a_kind_without_a_specific_hint_gets_its_own_fields():
    for kind in ("salesforce", "dynamics365", "sugarcrm", "retailcrm"):
        hint = services.explain(services.AuthError("no"), kind)[1]
        assert hint and hint != services.HINT_AUTH
    retail = services.explain(services.AuthError("no"), "retailcrm")[1]
    assert "API key" in retail and "password" not in retail.lower()
