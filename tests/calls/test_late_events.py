"""Events after the decision update the same CRM record (Salesforce simulator over HTTP)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from calls import log_writes, tasks
from calls.models import Call, CallSyncSettings
from delivery import outbox
from delivery import tasks as delivery_tasks
from delivery.models import SyncRecord
from tests.calls.conftest import call_events, event, sweep_now
from tests.factories import authorized_salesforce

pytestmark = pytest.mark.simulator(contacts=0)  # the seed of salesforce_sim (tests/conftest.py)

URL = "/api/v1/call-events/"
DAKTELA = "/api/v1/call-events/daktela/"
T0 = "2026-11-20T10:00:00+01:00"


@pytest.fixture
def sf(tenant, salesforce_sim):
    return authorized_salesforce(tenant, salesforce_sim)


def post(api, run_on_commit, events):
    response = run_on_commit(api.post, URL, events, format="json")
    assert response.status_code == 202, response.json()
    return response.json()


def task_writes(salesforce_sim):
    return [p for m, p in salesforce_sim.requests if m == "PATCH" and "/sobjects/Task" in p]


def late_end(call_id="L1", **extra):
    """A second end event, 3 minutes in, with a longer duration and the recording."""
    extra.setdefault("duration_seconds", 180)
    extra.setdefault("recording_url", "https://rec.example/L1.mp3")
    return event(call_id, "ended", "2026-11-20T10:03:05+01:00", **extra)


def test_late_event_updates_the_same_task(api, tenant, sf, salesforce_sim, run_on_commit):
    post(api, run_on_commit, call_events("L1", start=T0, duration=95))
    record = SyncRecord.objects.unscoped().get()
    assert record.state == "synced" and record.late_updates == 0
    key, crm_id = record.key, record.crm_record_id
    assert salesforce_sim.tasks[key]["CallDurationInSeconds"] == 95

    post(api, run_on_commit, [late_end(event_id="late-1")])
    record.refresh_from_db()
    assert record.state == "synced" and record.crm_record_id == crm_id
    assert record.late_updates == 1 and record.late_updated_at is not None
    assert record.payload["duration_seconds"] == 180
    assert len(salesforce_sim.tasks) == 1  # upsert by key: the same Task, updated
    task = salesforce_sim.tasks[key]
    assert task["Id"] == crm_id and task["CallDurationInSeconds"] == 180
    assert "https://rec.example/L1.mp3" in task["Description"]

    # The same event delivered again, a re-run fold and a new event that changes nothing
    # cause no CRM request.
    writes = len(task_writes(salesforce_sim))
    assert post(api, run_on_commit, [late_end(event_id="late-1")])["duplicates"] == 1
    run_on_commit(tasks.fold_calls, tenant.pk, ["L1"])
    post(api, run_on_commit, [event("L1", "answered", "2026-11-20T10:00:30+01:00")])
    sweep_now(run_on_commit)
    assert Call.objects.unscoped().get().ended
    assert len(task_writes(salesforce_sim)) == writes
    record.refresh_from_db()
    assert record.late_updates == 1 and record.state == "synced"


def test_late_event_for_skipped_call_keeps_the_skip(api, tenant, sf, salesforce_sim, run_on_commit):
    conf = CallSyncSettings.for_connector(sf)
    conf.min_duration_seconds = 10
    conf.save()
    post(api, run_on_commit, call_events("L1", start=T0, duration=4))
    post(api, run_on_commit, [late_end(event_id="late-skip", duration_seconds=300)])
    assert Call.objects.unscoped().get().duration_seconds == 300
    record = SyncRecord.objects.unscoped().get()
    assert (record.state, record.reason, record.late_updates) == (
        "skipped",
        "below_min_duration",
        0,
    )
    assert record.reason_detail["duration"] == 4
    assert not task_writes(salesforce_sim) and not salesforce_sim.tasks


def test_daktela_transfer_decided_early_lists_both_legs(
    client, api, tenant, sf, salesforce_sim, run_on_commit
):
    first = {
        "ID": "1WS.7001",
        "ActivityID": "act-1",
        "CallType": "in",
        "RingingStart": "2026-11-20 10:00:03",
        "CallStart": "2026-11-20 10:00:10",
        "CallEnd": "2026-11-20 10:00:40",
        "Answered": "1",
        "Duration": "30",
        "WaitTime": "7",
        "QueueId": "Support",
        "Clid": "773794804",
        "AgentEmail": "j.doe@acme.com",
        "access_token": api.raw_key,
    }
    second = {
        **first,
        "ActivityID": "act-2",
        "RingingStart": "2026-11-20 10:00:41",
        "CallStart": "2026-11-20 10:00:45",
        "CallEnd": "2026-11-20 10:04:05",
        "Duration": "200",
        "AgentEmail": "k.smith@acme.com",
    }
    assert run_on_commit(client.get, DAKTELA, first).status_code == 202
    record = SyncRecord.objects.unscoped().get()
    assert record.state == "synced" and Call.objects.unscoped().get().decided_at  # decided early
    task = salesforce_sim.tasks[record.key]
    assert "j.doe@acme.com" in task["Description"] and "k.smith" not in task["Description"]

    assert run_on_commit(client.get, DAKTELA, second).status_code == 202
    record.refresh_from_db()
    assert record.state == "synced" and record.late_updates == 1
    assert len(salesforce_sim.tasks) == 1
    task = salesforce_sim.tasks[record.key]
    assert "- j.doe@acme.com (answered)\n- k.smith@acme.com (answered)" in task["Description"]
    assert task["CallDurationInSeconds"] == 200 and task["Id"] == record.crm_record_id
    writes = len(task_writes(salesforce_sim))
    assert run_on_commit(client.get, DAKTELA, second).json()["accepted"] == 0
    assert len(task_writes(salesforce_sim)) == writes


def test_lost_doorbell_then_sweeper_sends_the_update(
    api, tenant, sf, salesforce_sim, run_on_commit, monkeypatch
):
    post(api, run_on_commit, call_events("L1", start=T0, duration=95))
    record = SyncRecord.objects.unscoped().get()
    with monkeypatch.context() as m:
        m.setattr(delivery_tasks.deliver, "delay", lambda *a: None)  # the broker loses the message
        post(api, run_on_commit, [late_end(event_id="late-lost")])
    record.refresh_from_db()
    assert record.state == "pending" and record.late_updates == 1
    assert salesforce_sim.tasks[record.key]["CallDurationInSeconds"] == 95
    run_on_commit(tasks.sweep)
    record.refresh_from_db()
    assert record.state == "synced" and len(salesforce_sim.tasks) == 1
    assert salesforce_sim.tasks[record.key]["CallDurationInSeconds"] == 180


def test_late_event_while_old_payload_in_flight(
    api, tenant, sf, salesforce_sim, run_on_commit, monkeypatch
):
    """A worker is sending the old payload: its lease is revoked, its outcome discarded, and
    the new payload goes out once that lease would have expired (never before the old one)."""
    with monkeypatch.context() as m:
        m.setattr(delivery_tasks.deliver, "delay", lambda *a: None)
        post(api, run_on_commit, call_events("L1", start=T0, duration=95))
        [claimed] = outbox.claim(sf.pk, "call_log", 10)  # the worker took the old payload
        post(api, run_on_commit, [late_end(event_id="late-flight")])
    record = SyncRecord.objects.unscoped().get()
    assert record.state == "pending" and record.lease is None
    assert record.next_attempt_at >= claimed.locked_until
    connector = sf.connector
    results = log_writes.send_call_logs(connector, [claimed])  # the old request lands
    outbox.succeed_many([(claimed, results[0])], connector)  # ... and is not ours any more
    record.refresh_from_db()
    assert record.state == "pending" and record.payload["duration_seconds"] == 180
    assert run_on_commit(tasks.sweep)["deliver"] == 0  # not due before the old lease ends
    SyncRecord.objects.unscoped().update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    run_on_commit(tasks.sweep)
    record.refresh_from_db()
    assert record.state == "synced" and len(salesforce_sim.tasks) == 1
    assert salesforce_sim.tasks[record.key]["CallDurationInSeconds"] == 180


def test_call_made_private_late_sends_nothing_more(api, tenant, sf, salesforce_sim, run_on_commit):
    salesforce_sim.fail_next(path="/composite/sobjects/Task", status=503, times=3)
    post(api, run_on_commit, call_events("L1", start=T0, duration=95))
    assert SyncRecord.objects.unscoped().get().state == "failed"
    post(api, run_on_commit, [late_end(event_id="late-private", privacy="private")])
    record = SyncRecord.objects.unscoped().get()
    assert (record.state, record.reason, record.payload) == ("skipped", "private", {})
    SyncRecord.objects.unscoped().update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    run_on_commit(tasks.sweep)
    assert not salesforce_sim.tasks


def test_call_page_shows_the_late_update(
    client, viewer_user, api, sf, salesforce_sim, run_on_commit
):
    post(api, run_on_commit, call_events("L1", start=T0, duration=95))
    post(api, run_on_commit, [late_end(event_id="late-page")])
    client.force_login(viewer_user)
    page = client.get(f"/calls/{Call.objects.unscoped().get().pk}/").content.decode()
    record = SyncRecord.objects.unscoped().get()
    assert record.last_action == "updated" and record.crm_updated_at is not None
    assert "updated after a late event" in page
    assert re.search(r"updated in Salesforce at \d\d:\d\d CES?T", page), "the page says when"
    body = api.get(f"/api/v1/calls/{Call.objects.unscoped().get().pk}/").json()
    assert body["sync"][0]["late_updates"] == 1
    assert body["sync"][0]["last_action"] == "updated"
    assert body["sync"][0]["updated_at"] == record.crm_updated_at.isoformat().replace("+00:00", "Z")
