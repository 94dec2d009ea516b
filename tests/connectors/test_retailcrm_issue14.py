"""retailCRM, issue 14: what telephony/calls/upload can hold of the wrap-up, and that a later
send of a logged call is "unchanged" (retailCRM keeps the first upload of an externalId), over
real HTTP against the simulator. No email / chat / SMS, no call search: not declared."""

import pytest

from connectors.capabilities import Capability
from connectors.registry import provider
from contacts.models import UserMapping
from portal import http
from simulators.retailcrm import RetailCRMSimulator
from tests.connectors.test_retailcrm import call
from tests.factories import make_connector


@pytest.fixture(scope="module")
def running_sim():
    simulator = RetailCRMSimulator().start()
    yield simulator
    http.default_session().close()
    simulator.stop()


@pytest.fixture
def sim(running_sim):
    running_sim.seed()
    running_sim.faults.clear()
    running_sim.requests.clear()
    return running_sim


@pytest.fixture
def retail(tenant, sim):
    settings, credentials = RetailCRMSimulator.demo_account(sim.url)
    account = make_connector(tenant, kind="retailcrm", settings=settings, credentials=credentials)
    UserMapping.objects.create(
        tenant=tenant, connector=account, agent_id="jdoe", agent_email="j@a.com", crm_user_id="8"
    )
    connector = account.connector
    connector.authorize()
    return connector


def uploads(sim) -> int:
    return sum(1 for _m, p in sim.requests if p.endswith("/telephony/calls/upload"))


def test_provider_declares_no_updates_no_interactions_no_call_search():
    p = provider("retailcrm")
    for cap in (Capability.CALL_UPDATES, Capability.INTERACTIONS, Capability.FIND_CALLS):
        assert not p.can(cap)
    assert p.interaction_channels == ()
    assert p.no_update_reason == "retailCRM cannot update a logged call"
    assert not p.can(Capability.TICKET_COMPLETION)


def test_outcome_goes_into_result_and_the_rest_has_no_field(retail, sim):
    results = retail.log_calls(
        [
            call(
                "acme:w1",
                status="busy",
                notes="Call back after 5",
                disposition="Sale",
                tags=["vip"],
            ),
        ]
    )
    assert results[0].ok and results[0].action == "created" and results[0].crm_id == "acme:w1"
    item = sim.calls["acme:w1"]
    assert item["result"] == "busy"
    # telephony/calls/upload has no notes, disposition or tags field (documented)
    assert set(item) <= {
        "date",
        "type",
        "phone",
        "code",
        "userId",
        "result",
        "duration",
        "durationWaiting",
        "externalId",
        "recordUrl",
        "externalPhone",
        "site",
    }


def test_resend_of_a_stored_call_is_unchanged_without_a_request(retail, sim):
    first = retail.log_calls([call()])[0]
    sim.requests.clear()
    later = call(crm_record_id=first.crm_id, recording_url="https://rec.example/1.mp3")
    again = retail.log_calls([later])[0]
    assert again.ok and again.action == "unchanged" and again.crm_id == first.crm_id
    assert uploads(sim) == 0 and "recordUrl" not in sim.calls["acme:c1:a1"]


def test_resend_without_stored_id_is_a_duplicate_retailcrm_keeps(retail, sim):
    retail.log_calls([call()])
    again = retail.log_calls([call(recording_url="https://rec.example/1.mp3"), call("acme:new")])
    assert [r.action for r in again] == ["unchanged", "created"]
    assert [r.crm_id for r in again] == ["acme:c1:a1", "acme:new"]
    assert "recordUrl" not in sim.calls["acme:c1:a1"]  # the first upload stays
    assert uploads(sim) == 2


def test_a_batch_of_wrapups_costs_no_request(retail, sim):
    created = retail.log_calls([call(f"acme:c{i}") for i in range(20)])
    sim.requests.clear()
    again = retail.log_calls(
        [call(f"acme:c{i}", notes="n", crm_record_id=r.crm_id) for i, r in enumerate(created)]
    )
    assert {r.action for r in again} == {"unchanged"} and sim.requests == []
