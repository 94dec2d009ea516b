"""Tickets and callbacks link the record the connector's matching policy picks (local store)."""

from types import SimpleNamespace

from automations.callbacks import callback_plan
from automations.models import Trigger
from automations.triggers import fire_triggers, ticket_plan
from contacts.models import UserMapping
from tests.calls.identity import PHONE, T0, ended_call, policy, stored
from tests.factories import make_connector


def test_ticket_links_the_agents_lead_with_its_type(tenant):
    sf = make_connector(tenant)
    policy(sf, multiple_matches="agent_owned", objects_order=["lead", "contact"])
    UserMapping.objects.create(tenant=tenant, connector=sf, agent_id="jdoe", crm_user_id="005ME")
    stored(tenant, sf, "003CONTACT")  # a contact: the policy prefers leads
    stored(tenant, sf, "00QTHEIRS", type="lead", owner="005OTHER")
    stored(tenant, sf, "00QMINE", type="lead", owner="005ME", age_days=9)
    trigger = Trigger.objects.create(tenant=tenant, connector=sf, name="Any call")
    call = ended_call(tenant, "T1")
    plan = ticket_plan(trigger, call)
    assert (plan["contact_crm_id"], plan["contact_type"]) == ("00QMINE", "lead")
    assert plan["contact"] == "Lead 00QMINE (00QMINE)"
    (row,) = fire_triggers(tenant, [call])
    assert row.payload["contact_crm_id"] == "00QMINE" and row.payload["contact_type"] == "lead"
    assert row.match["candidates"] == 2 and row.match["rule"] == "agent_owned"


def test_ticket_with_rule_none_links_nothing_when_several_match(tenant):
    sf = make_connector(tenant)
    policy(sf, multiple_matches="none")
    stored(tenant, sf, "003A")
    stored(tenant, sf, "003B")
    plan = ticket_plan(
        Trigger.objects.create(tenant=tenant, connector=sf, name="T"), ended_call(tenant, "T1")
    )
    assert plan["contact_crm_id"] == "" and "links none" in plan["contact"]


def test_callback_links_the_most_recent_record(tenant):
    sf = make_connector(tenant)
    stored(tenant, sf, "003OLD", age_days=10)
    stored(tenant, sf, "003NEW", age_days=1)
    request = SimpleNamespace(
        phone=PHONE, requested_at=T0, callback_list="cb", queue="", note="", bundled_with_id=None
    )
    profile = SimpleNamespace(
        tenant=tenant, connector=sf, subject="Call back", crm_queue_id="", ownership="api_user"
    )
    plan = callback_plan(request, profile)
    assert (plan["contact_crm_id"], plan["contact_type"]) == ("003NEW", "contact")
