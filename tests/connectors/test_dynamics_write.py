"""Dynamics 365 writes: phonecalls through $batch (idempotent by alternate key), incidents."""

from datetime import UTC, datetime, timedelta

import pytest

from connectors.dynamics365.records import KEY_MAX, key_value
from connectors.errors import ConnectorError
from connectors.types import CallLog, TicketRequest
from tests.connectors import test_dynamics_support as support
from tests.connectors.test_dynamics_support import connector_for, make_account

account = support.account  # fixture
dyn = support.dyn  # fixture
sim = support.sim  # fixture
_running_sim = support._running_sim  # fixture

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def ids(sim):
    users = [u for u, row in sim.tables["systemusers"].items() if row["internalemailaddress"]]
    contact = next(
        c for c, row in sim.tables["contacts"].items() if row["telephone1"] == "+420 773 794 804"
    )
    return users[0], contact


def call(key, **kw):
    values = dict(
        key=key,
        direction="in",
        phone="+420773794804",
        started_at=T0,
        ended_at=T0 + timedelta(seconds=61),
        duration_seconds=61,
        subject="Call from +420773794804",
    )
    values.update(kw)
    return CallLog(**values)


def test_log_calls_creates_phonecalls_with_parties(dyn, sim):
    user, contact = ids(sim)
    calls = [
        call(
            "acme:c1:a1",
            owner_crm_id=user,
            contact_crm_id=contact,
            description="Asked about invoice",
        ),
        call(
            "acme:c2:a1",
            direction="out",
            owner_crm_id=user,
            contact_crm_id=contact,
            subject="Call to customer",
        ),
        call("acme:c3:a1", status="missed", duration_seconds=0, ended_at=None, queue="Support"),
    ]
    results = dyn.log_calls(calls)
    assert all(r.ok for r in results), results
    stored = sim.phonecalls
    inbound, outbound, missed = (stored[key_value(c.key)] for c in calls)
    assert [r.crm_id for r in results] == [
        inbound["activityid"],
        outbound["activityid"],
        missed["activityid"],
    ]
    assert results[0].url.endswith(f"etn=phonecall&id={inbound['activityid']}")

    assert inbound["directioncode"] is False and outbound["directioncode"] is True
    assert inbound["actualdurationminutes"] == 2  # 61 s, rounded up
    assert inbound["actualstart"] == "2026-03-02T09:30:00Z"
    assert inbound["actualend"] == "2026-03-02T09:31:01Z"
    assert inbound["_ownerid_value"] == user and inbound["_regardingobjectid_value"] == contact
    assert inbound["description"] == "Asked about invoice"
    # inbound: the contact called (From = 1), the user answered (To = 2); outbound reversed
    parties = {
        p["partytype"]: p["participationtypemask"] for p in inbound["phonecall_activity_parties"]
    }
    assert parties == {"contact": 1, "systemuser": 2}
    parties = {
        p["partytype"]: p["participationtypemask"] for p in outbound["phonecall_activity_parties"]
    }
    assert parties == {"systemuser": 1, "contact": 2}

    assert missed["subject"].startswith("Missed call")
    assert "missed" in missed["description"] and "Queue: Support" in missed["description"]
    assert missed["actualdurationminutes"] == 0 and "_regardingobjectid_value" not in missed
    assert sim.batches == [3]  # one $batch request, one change set per call


def test_log_calls_twice_creates_each_phonecall_once(dyn, sim):
    user, contact = ids(sim)
    calls = [call(f"acme:c{i}:a1", owner_crm_id=user, contact_crm_id=contact) for i in range(5)]
    first = dyn.log_calls(calls)
    second = dyn.log_calls([call(c.key, subject="changed later") for c in calls])
    assert len(sim.phonecalls) == 5
    assert [r.crm_id for r in first] == [r.crm_id for r in second]
    assert all(r.ok for r in second)
    assert {r.action for r in first} == {"created"} and {r.action for r in second} == {"updated"}
    # upsert by the alternate key: a later send updates the record written the first time
    assert {row["subject"] for row in sim.phonecalls.values()} == {"changed later"}


def test_reply_lost_after_write_is_retried_without_duplicates(dyn, sim):
    sim.fail_after_write = 1  # committed, then a 502: the seam sends the same $batch again
    results = dyn.log_calls([call(f"acme:lost{i}:a1") for i in range(4)])
    assert all(r.ok for r in results)
    assert len(sim.phonecalls) == 4 and sim.batches == [4, 4]
    assert {r.crm_id for r in results} == {row["activityid"] for row in sim.phonecalls.values()}


def test_crash_after_write_then_retry_later(dyn, sim, settings):
    settings.HTTP_RETRIES = 0
    calls = [call(f"acme:crash{i}:a1") for i in range(3)]
    sim.fail_after_write = 1
    with pytest.raises(ConnectorError) as caught:
        dyn.log_calls(calls)  # the worker "crashes": it never learns the ids
    assert not caught.value.permanent
    assert len(sim.phonecalls) == 3
    results = dyn.log_calls(calls)  # the outbox retries later
    assert all(r.ok for r in results) and len(sim.phonecalls) == 3
    assert {r.crm_id for r in results} == {row["activityid"] for row in sim.phonecalls.values()}


def test_250_calls_go_in_3_batches(dyn, sim):
    results = dyn.log_calls([call(f"acme:bulk{i}:a1") for i in range(250)])
    assert len(results) == 250 and all(r.ok for r in results)
    assert sim.batches == [100, 100, 50]
    assert sum(1 for m, p in sim.requests if p.endswith("$batch")) == 3
    assert len(sim.phonecalls) == 250


def test_one_bad_record_does_not_fail_the_batch(dyn, sim):
    unknown_user = "00000000-0000-4000-8000-000000000001"
    results = dyn.log_calls(
        [
            call("acme:ok1:a1"),
            call("acme:bad:a1", owner_crm_id=unknown_user),
            call("acme:notguid:a1", contact_crm_id="0035g00000XyZ"),
            call("acme:ok2:a1"),
        ]
    )
    assert [r.ok for r in results] == [True, False, False, True]
    assert results[1].permanent and "Does Not Exist" in results[1].error
    assert results[2].permanent and "GUID" in results[2].error
    assert set(sim.phonecalls) == {key_value("acme:ok1:a1"), key_value("acme:ok2:a1")}
    assert sim.batches == [3]  # the non-GUID id was never sent


def test_missing_alternate_key_explains_the_column_to_create(dyn, sim):
    del sim.alternate_keys["phonecalls"]
    [result] = dyn.log_calls([call("acme:nokey:a1")])
    assert result.permanent and "Create the text column cc_callkey" in result.error
    assert sim.phonecalls == {}


def test_custom_key_column_setting(tenant, sim):
    sim.alternate_keys["phonecalls"] = "new_callref"
    account = make_account(tenant, sim, settings={"phonecall_key_field": "new_callref"})
    connector = connector_for(account, sim)
    connector.authorize()
    [result] = connector.log_calls([call("acme:custom:a1")])
    assert result.ok and sim.phonecalls[key_value("acme:custom:a1")]["new_callref"]


def test_key_values_are_url_safe_and_distinct():
    assert key_value("acme:c1:a1") == "acme~3Ac1~3Aa1"
    assert key_value("a:b") != key_value("a_b") != key_value("a~3Ab")
    long_a, long_b = key_value("t:" + "x" * 200 + "a"), key_value("t:" + "x" * 200 + "b")
    assert len(long_a) == KEY_MAX and long_a != long_b
    assert not set("/<>*%&:\\?+") & set(key_value("a/b<c>*%&:\\?+ é"))


def test_create_ticket_makes_an_incident_once(dyn, sim):
    user, contact = ids(sim)
    queue = next(q for q, row in sim.tables["queues"].items() if row["name"] == "Support")
    ticket = TicketRequest(
        key="acme:call-9:ticket",
        subject="Missed call from +420773794804",
        description="Caller waited 3 minutes",
        contact_crm_id=contact,
        owner_crm_id=user,
        queue_crm_id=queue,
    )
    result = dyn.create_ticket(ticket)
    incident = sim.incidents[key_value(ticket.key)]
    assert result.ok and result.crm_id == incident["incidentid"]
    assert result.url.endswith(f"etn=incident&id={incident['incidentid']}")
    assert incident["title"] == ticket.subject and incident["description"] == ticket.description
    assert incident["_customerid_value"] == contact and incident["_ownerid_value"] == user
    assert sim.queue_items == [
        {
            "queueitemid": sim.queue_items[0]["queueitemid"],
            "objectid": result.crm_id,
            "queueid": queue,
        }
    ]
    again = dyn.create_ticket(ticket)
    assert again.crm_id == result.crm_id and len(sim.incidents) == 1 and len(sim.queue_items) == 1


def test_create_ticket_for_an_account_and_after_a_lost_reply(dyn, sim):
    account_id = next(iter(sim.tables["accounts"]))
    sim.fail_after_write = 1
    result = dyn.create_ticket(
        TicketRequest(key="acme:t2", subject="Callback", description="", account_crm_id=account_id)
    )
    assert result.ok and len(sim.incidents) == 1
    assert sim.incidents[key_value("acme:t2")]["_customerid_value"] == account_id


def test_create_ticket_needs_a_customer(dyn, sim):
    with pytest.raises(ConnectorError) as caught:
        dyn.create_ticket(TicketRequest(key="acme:t3", subject="x", description=""))
    assert caught.value.permanent and "customer" in str(caught.value)
    assert sim.incidents == {}


def test_callback_phonecall_is_planned_and_queued_once(dyn, sim):
    user, contact = ids(sim)
    queue = next(q for q, row in sim.tables["queues"].items() if row["name"] == "Support")
    callback = call(
        "acme:cb-1",
        direction="out",
        status="callback",
        ended_at=None,
        duration_seconds=0,
        subject="Call back +420773794804",
        owner_crm_id=user,
        contact_crm_id=contact,
        queue_crm_id=queue,
    )
    [result] = dyn.log_calls([callback])
    phonecall = sim.phonecalls[key_value(callback.key)]
    assert result.ok and result.crm_id == phonecall["activityid"]
    assert phonecall["scheduledstart"] and not phonecall.get("actualstart")
    assert [(i["objectid"], i["queueid"]) for i in sim.queue_items] == [(result.crm_id, queue)]
    [again] = dyn.log_calls([callback])  # a retry: same record, still one queue item
    assert again.crm_id == result.crm_id and len(sim.queue_items) == 1
