"""The UIS client and platform against the UIS simulator over real HTTP (JSON-RPC 2.0)."""

import pytest

from connectors.errors import AuthError, ConnectorError
from platforms.models import ContactCenterAccount
from platforms.registry import platform_for
from platforms.types import CallRequest
from simulators.registry import SIMULATORS
from simulators.uis import UisSimulator
from tests.platforms.helpers import make_uis_account

pytestmark = pytest.mark.django_db


def test_whoami_and_employees(uis_account):
    platform = platform_for(uis_account)
    assert platform.whoami() == "Acme (UIS simulator)"
    agents = platform.list_agents()
    assert [a.agent_id for a in agents] == ["13421", "13422", "13423"]
    assert agents[0].title == "John Doe" and agents[0].email == "J.Doe@acme-sim.example.com"


def test_wrong_token_is_a_permanent_auth_error_saying_what_to_fix(tenant, uis_sim):
    account = make_uis_account(tenant, uis_sim.url, token="wrong")
    with pytest.raises(AuthError) as exc:
        platform_for(account).whoami()
    assert exc.value.permanent
    assert "rejected the access token" in str(exc.value) and "auth_error" in str(exc.value)
    assert "Create a new token" in str(exc.value)


@pytest.mark.parametrize(
    ("code", "permanent", "words"),
    [
        (-32029, False, "limit exceeded"),
        (-32603, False, "internal error"),
        (-32003, True, "grant it in UIS"),
        (-32602, True, "rejected a parameter"),
    ],
)
def test_rpc_error_codes_map_to_permanent_or_transient(
    uis_account, uis_sim, code, permanent, words
):
    uis_sim.fail_rpc(code, "some_mnemonic")
    with pytest.raises(ConnectorError) as exc:
        platform_for(uis_account).whoami()
    assert exc.value.permanent is permanent
    assert words in str(exc.value) and "some_mnemonic" in str(exc.value)
    assert exc.value.code == str(code)


def test_http_5xx_is_transient(uis_account, uis_sim):
    uis_sim.fail_next(status=500, body={"oops": 1}, times=3)
    with pytest.raises(ConnectorError) as exc:
        platform_for(uis_account).whoami()
    assert not exc.value.permanent


def test_token_travels_in_the_body_not_the_url(uis_account, uis_sim):
    platform_for(uis_account).whoami()
    assert uis_sim.requests and all("token" not in path for _m, path in uis_sim.requests)


def test_complete_activity_reads_the_call_legs(uis_account, uis_sim):
    session = uis_sim.finish_call(
        contact="79261234567", employee_id=13422, talked=True, duration=95
    )
    details = platform_for(uis_account).complete_activity(str(session))
    assert details.event["agent_id"] == "13422"
    assert details.event["duration_seconds"] == 95
    assert details.event["recording_url"].endswith(f"/{session}/rec{session}/")
    assert platform_for(uis_account).complete_activity("999") is None


def test_place_call_uses_the_call_api_with_the_virtual_number(uis_account, uis_sim):
    call_id = platform_for(uis_account).place_call(
        CallRequest(agent_id="13421", number="+7 926 123-45-67")
    )
    assert call_id
    (started,) = uis_sim.started
    assert started["employee"] == {"id": 13421}
    assert started["contact"] == "79261234567"
    assert started["virtual_phone_number"] == "74951234567"
    assert started["first_call"] == "employee" and started["direction"] == "out"


def test_place_call_for_an_unknown_employee_says_what_to_fix(uis_account, uis_sim):
    with pytest.raises(ConnectorError) as exc:
        platform_for(uis_account).place_call(CallRequest(agent_id="999", number="79261234567"))
    assert exc.value.permanent and "check the user mapping" in str(exc.value)
    with pytest.raises(ConnectorError) as exc:
        platform_for(uis_account).place_call(CallRequest(agent_id="jdoe", number="79261234567"))
    assert "numeric id" in str(exc.value)
    assert uis_sim.started == []


def test_set_agent_status_updates_calls_available(uis_account, uis_sim):
    platform_for(uis_account).set_agent_status("13421", "away")
    platform_for(uis_account).set_agent_status("13422", "available")
    assert uis_sim.updates == [
        {"access_token": uis_sim.updates[0]["access_token"], "id": 13421, "calls_available": False},
        {"access_token": uis_sim.updates[1]["access_token"], "id": 13422, "calls_available": True},
    ]
    assert uis_sim.employee(13421)["calls_available"] is False


def test_seed_demo_account_works_against_the_simulator(tenant, uis_sim):
    assert SIMULATORS["uis"][0] == "simulators.uis.app.UisSimulator"
    UisSimulator.seed_demo(tenant, uis_sim.url)
    UisSimulator.seed_demo(tenant, uis_sim.url)  # idempotent
    (account,) = ContactCenterAccount.objects.for_tenant(tenant).filter(kind="uis")
    assert platform_for(account).whoami() == "Acme (UIS simulator)"
    call_id = platform_for(account).place_call(CallRequest(agent_id="13421", number="79261234567"))
    assert call_id and uis_sim.started
