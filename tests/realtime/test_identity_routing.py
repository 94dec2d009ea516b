"""Routing and screen pop on the one caller lookup (issue 13): record types, the live search on
a miss within the routing budget, `fromParty.Key=lead|account`, the connector policy's pick."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.lookup import LIVE, Match
from realtime import routing
from tests.factories import authorized_salesforce
from tests.realtime.helpers import (
    connector_for,
    make_contact,
    make_mapping,
    make_pop_rule,
    make_rule,
)
from tests.realtime.identity import add_sf_record, authorized, policy

URL = "/api/v1/routing/initial-target/"
POP = "/api/v1/screen-pop/"
CALLER = "+420602123456"
QUEUE = "+420226211245"
ALL_TYPES = ["contact", "lead", "account"]


def route(api, anum=CALLER):
    return api.post(URL, {"anum": anum, "bnum": QUEUE}, format="json")


@pytest.mark.parametrize("record_type", ["lead", "account"])
def test_routing_finds_lead_and_account_callers(api, tenant, record_type):
    make_contact(tenant, CALLER, type=record_type, owner="005OWNER")
    make_mapping(tenant, "005OWNER", "+420777111222")
    make_rule(tenant, "owner")
    assert route(api).json() == {"InitialTarget": "+420777111222"}
    make_contact(tenant, "+420602999888", type=record_type, fields={"segment": "VIP"})
    make_rule(tenant, "field_value", field="segment", value="VIP", target="+420800100100")
    assert route(api, "+420602999888").json() == {"InitialTarget": "+420800100100"}


def test_owner_rule_prefers_the_contact_over_a_lead_of_the_same_number(api, tenant):
    make_contact(tenant, CALLER, type="lead", owner="005LEADOWNER")
    make_contact(tenant, CALLER, type="contact", owner="005CONTACTOWNER")
    make_mapping(tenant, "005LEADOWNER", "+420777000001")
    make_mapping(tenant, "005CONTACTOWNER", "+420777000002")
    make_rule(tenant, "owner")
    assert route(api).json() == {"InitialTarget": "+420777000002"}


def test_known_caller_is_one_query_and_never_asks_the_crm(tenant, monkeypatch):
    make_contact(tenant, CALLER, fields={"segment": "VIP"})
    make_rule(tenant, "field_value", field="segment", value="VIP", target="+420800100100")
    monkeypatch.setattr(routing, "lookup", lambda *a, **k: pytest.fail("asked the CRM"))
    routing.tenant_rules(tenant.pk)  # cached, as on every request but the first
    with CaptureQueriesContext(connection) as queries:
        assert routing.decide(tenant, CALLER, QUEUE).reason == "routed"
    assert len(queries) == 1


def test_a_miss_asks_only_live_connectors_within_the_routing_budget(
    api, tenant, monkeypatch, settings
):
    settings.ROUTING_LIVE_LOOKUP_MS = 250
    live = authorized(connector_for(tenant))
    off = authorized(connector_for(tenant, kind="sugarcrm"))
    policy(off, live_lookup=False)
    connector_for(tenant, kind="retailcrm")  # never authorized: nothing to ask
    asked = []

    def live_lookup(
        t, phone, *, connectors=None, live=True, timeout_ms=None, local=True, later=False
    ):
        asked.append(([c.pk for c in connectors], live, timeout_ms, later))
        row = make_contact(t, phone, connector=live_account, type="lead", owner="005OWNER")
        return [
            Match(row.connector_id, "lead", row.crm_id, row.name, source=LIVE, contact_id=row.pk)
        ]

    live_account = live
    monkeypatch.setattr(routing, "lookup", live_lookup)
    make_mapping(tenant, "005OWNER", "+420777111222", connector=live)
    make_rule(tenant, "owner")
    assert route(api).json() == {"InitialTarget": "+420777111222"}
    assert asked == [([live.pk], True, 250, True)]  # later: a worker stores what is found
    assert route(api).status_code == 200 and len(asked) == 1  # stored: the next call is local
    decision = routing.decide(tenant, "+420603000111", QUEUE)
    assert decision.source == "live" and "live search" in decision.message


def test_no_live_connector_means_no_lookup(api, tenant, monkeypatch):
    policy(authorized(connector_for(tenant)), live_lookup=False)
    monkeypatch.setattr(routing, "lookup", lambda *a, **k: pytest.fail("asked the CRM"))
    make_rule(tenant, "owner")
    assert route(api).status_code == 204


# --- over real HTTP against the Salesforce simulator (need the live search: issue 13) -------


@pytest.mark.simulator(contacts=5)
def test_lead_created_in_the_crm_after_the_import_is_routed_by_live_lookup(
    api, tenant, salesforce_sim
):
    sf = authorized_salesforce(tenant, salesforce_sim)
    policy(sf, objects_order=ALL_TYPES)
    owner = salesforce_sim.store.owners[1]
    add_sf_record(
        salesforce_sim,
        "Lead",
        LastName="Fresh",
        Company="Acme",
        Phone="+420 777 000 555",
        OwnerId=owner,
    )
    make_mapping(tenant, owner, "+420777111222", connector=sf)
    make_rule(tenant, "owner")
    assert route(api, "777 000 555").json() == {"InitialTarget": "+420777111222"}
    before = len(salesforce_sim.requests)
    assert route(api, "+420777000555").status_code == 200  # now stored: no CRM request
    assert len(salesforce_sim.requests) == before


@pytest.mark.simulator(contacts=5)
def test_routing_answers_within_the_budget_when_the_crm_is_slow(
    api, tenant, salesforce_sim, settings
):
    settings.ROUTING_LIVE_LOOKUP_MS = 300
    authorized_salesforce(tenant, salesforce_sim)
    make_rule(tenant, "owner")
    salesforce_sim.latency = 3.0  # far beyond the budget
    before = len(salesforce_sim.requests)
    start = time.monotonic()
    response = route(api, "+420777999111")
    elapsed = time.monotonic() - start
    assert response.status_code == 204
    assert elapsed < 1.0, f"routing waited {elapsed:.2f} s on a slow CRM"
    assert len(salesforce_sim.requests) > before  # the CRM was asked (live lookup on)


# --- screen pop --------------------------------------------------------------------------------


@pytest.mark.parametrize("record_type", ["lead", "account"])
def test_screen_pop_rule_on_the_record_type(api, tenant, record_type):
    policy(connector_for(tenant), objects_order=ALL_TYPES)
    row = make_contact(tenant, CALLER, type=record_type, crm_id="00QLEAD1")
    make_contact(tenant, "+420602999888", crm_id="003CONTACT")
    make_pop_rule(
        tenant,
        "01",
        f"direction=inbound&&fromParty.Key={record_type}=>https://t.example/?id={{crm_id}}&t={{type}}",
    )
    body = api.get(POP, {"direction": "inbound", "phone": CALLER}).json()
    assert body["rule"] == "01"
    assert body["url"] == f"https://t.example/?id=00QLEAD1&t={record_type}"
    assert body["matches"][0]["type"] == record_type
    assert body["matches"][0]["connector"] == row.connector_id
    assert body["matches"][0]["crm_label"] == "Salesforce"
    other = api.get(POP, {"direction": "inbound", "phone": "+420602999888"}).json()
    assert other["rule"] is None and other["matches"][0]["type"] == "contact"


def test_default_form_is_the_policys_preferred_type(api, tenant):
    account = connector_for(tenant)
    policy(account, objects_order=["lead", "contact"])
    make_contact(tenant, CALLER, type="contact")
    lead = make_contact(tenant, CALLER, type="lead")
    body = api.get(POP, {"direction": "inbound", "phone": CALLER}).json()
    assert body["url"] == lead.crm_url
    assert [m["type"] for m in body["matches"]] == ["lead", "contact"]
    make_pop_rule(tenant, "01", "fromParty.Key=lead&&lookupCount=2=>default")
    assert api.get(POP, {"direction": "inbound", "phone": CALLER}).json()["rule"] == "01"
