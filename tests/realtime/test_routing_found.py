"""Routing answers a live-found caller from the CRM's records and a worker stores them
(lookup(later=True), contacts/found.py): the same rule columns as from the store, one CRM
request per number while the worker has not stored yet, stored inline when the broker is down."""

import pytest

from connectors.types import CrmContact
from contacts import found
from contacts.lookup import match_of_record, store_found
from contacts.models import Contact, FieldMapping
from portal import celery
from realtime import routing
from realtime.routing_live import rows_for_records
from tests.factories import authorized_salesforce
from tests.realtime.helpers import connector_for, make_mapping, make_rule
from tests.realtime.identity import add_sf_record

URL = "/api/v1/routing/initial-target/"
QUEUE = "+420226211245"
NUMBER = "+420777000555"


def searches(sim) -> int:
    return sum(1 for _m, path in sim.requests if "/search" in path)


def test_rule_columns_of_found_records_are_those_the_store_would_give(tenant):
    account = connector_for(tenant)
    for crm_object, crm_field, cc_field in [
        ("Contact", "Title", "segment"),
        ("Lead", "Rating", "segment"),
        ("Contact", "Department", "team"),
    ]:
        FieldMapping.objects.create(
            tenant=tenant,
            connector=account,
            crm_object=crm_object,
            crm_field=crm_field,
            cc_field=cc_field,
        )
    make_mapping(tenant, "005OWNER", "+420777111222", connector=account)
    records = [
        CrmContact(
            "00QLEAD",
            last_name="Lead",
            phones=[NUMBER],
            type="lead",
            owner_crm_id="005X",
            fields={"Rating": "Hot", "Title": "VIP"},
        ),
        CrmContact(
            "003C",
            first_name="Ann",
            phones=[NUMBER],
            owner_crm_id="005OWNER",
            fields={"Title": "VIP", "Department": None},
        ),
    ]
    fields = ["segment", "team", "unmapped"]
    pending = [match_of_record(account.pk, r) for r in records]
    from_records = rows_for_records(tenant, [account], pending, fields, True)
    stored = store_found(account, records)
    from_store = routing.rows_for_contacts(tenant, [c.pk for c in stored], fields, True)
    assert from_store and [r.pop("contact_id") for r in from_records] == [None, None]
    assert from_records == [{k: v for k, v in r.items() if k != "contact_id"} for r in from_store]
    assert from_records[0] == {
        "exact": 0,
        "f0": "VIP",
        "f1": None,
        "f2": None,
        "agent_phone": "+420777111222",
    }


@pytest.fixture
def routed(api, tenant, salesforce_sim):
    sf = authorized_salesforce(tenant, salesforce_sim)
    owner = salesforce_sim.store.owners[1]
    add_sf_record(salesforce_sim, "Contact", LastName="Fresh", Phone=NUMBER, OwnerId=owner)
    make_mapping(tenant, owner, "+420777111222", connector=sf)
    make_rule(tenant, "owner")
    return sf


def route(api):
    return api.post(URL, {"anum": NUMBER, "bnum": QUEUE}, format="json")


@pytest.mark.simulator(contacts=5)
def test_a_worker_stores_the_found_caller_and_the_crm_is_asked_once(
    api, tenant, salesforce_sim, routed, monkeypatch, settings
):
    settings.FOUND_STORE_COALESCE_MS = 0  # one message per number (merged: the test below)
    sent = []
    monkeypatch.setattr(found, "publish", lambda task, *args: sent.append((task, args)) or True)
    before = searches(salesforce_sim)
    assert route(api).json() == {"InitialTarget": "+420777111222"}  # from the search's record
    assert not Contact.objects.for_tenant(tenant).filter(last_name="Fresh").exists()
    assert [task for task, _args in sent] == ["contacts.store_found"]
    assert route(api).json() == {"InitialTarget": "+420777111222"}  # the cached records
    assert searches(salesforce_sim) == before + 1 and len(sent) == 1
    task, args = sent[0]
    assert celery.task_named(task)(*args) == 1  # what the worker runs (JSON arguments)
    assert (
        Contact.objects.for_tenant(tenant).filter(last_name="Fresh", connector=routed).count() == 1
    )
    assert found.recall(routed.pk, NUMBER)  # left to expire: a lookup racing the commit
    decision = routing.decide(tenant, NUMBER, QUEUE)
    assert decision.source == "local" and decision.target == "+420777111222"
    assert searches(salesforce_sim) == before + 1


@pytest.mark.simulator(contacts=5)
def test_with_the_broker_down_the_found_caller_is_stored_inline(
    api, tenant, salesforce_sim, routed, monkeypatch, settings
):
    settings.FOUND_STORE_COALESCE_MS = 0
    monkeypatch.setattr(found, "publish", lambda task, *args: False)
    assert route(api).json() == {"InitialTarget": "+420777111222"}
    assert (
        Contact.objects.for_tenant(tenant).filter(last_name="Fresh", connector=routed).count() == 1
    )
    assert found.recall(routed.pk, NUMBER) is None


OTHER = "+420777000556"


@pytest.mark.simulator(contacts=5)
def test_the_stores_of_a_second_are_merged_into_one_message(
    api, tenant, salesforce_sim, routed, monkeypatch, settings
):
    """Two callers found live within FOUND_STORE_COALESCE_MS: one store_found_many message
    with both numbers' records, one upsert; both answered from the cache meanwhile."""
    from portal import doorbells
    from portal.celery import app

    settings.FOUND_STORE_COALESCE_MS = 5000  # the test flushes it
    owner = salesforce_sim.store.owners[1]
    add_sf_record(salesforce_sim, "Contact", LastName="Second", Phone=OTHER, OwnerId=owner)
    sent = []
    monkeypatch.setattr(doorbells, "publish", lambda task, *args: sent.append((task, args)))
    monkeypatch.setattr(doorbells, "_coalescers", {})
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        assert route(api).json() == {"InitialTarget": "+420777111222"}
        second = api.post(URL, {"anum": OTHER, "bnum": QUEUE}, format="json")
        assert second.json() == {"InitialTarget": "+420777111222"}
        assert sent == []  # within the window
        assert doorbells.coalescer(5000).flush() == 1
    finally:
        app.conf.task_always_eager = eager
    [(task, (connector_id, items))] = sent
    assert task == "contacts.store_found_many" and connector_id == routed.pk
    assert sorted(items) == [NUMBER, OTHER]
    assert celery.task_named(task)(connector_id, items) == 2  # what the worker runs
    stored = Contact.objects.for_tenant(tenant).filter(connector=routed)
    assert sorted(
        stored.filter(last_name__in=["Fresh", "Second"]).values_list("last_name", flat=True)
    ) == ["Fresh", "Second"]
    assert routing.decide(tenant, OTHER, QUEUE).source == "local"
