"""Agent wrap-up (type "wrapup", notes, disposition, tags) and late data updating the CRM record."""

import re

import pytest

from calls.models import Call, CallSyncSettings
from delivery.models import SyncRecord
from tests.calls.conftest import call_events, event
from tests.calls.fakes import use_provider
from tests.factories import authorized_salesforce

URL = "/api/v1/call-events/"
T0 = "2026-11-20T10:00:00+01:00"
AFTER = "2026-11-20T10:05:00+01:00"  # well after the call's end (10:01:40)


def post(api, run_on_commit, events):
    response = run_on_commit(api.post, URL, events, format="json")
    assert response.status_code == 202, response.json()
    return response.json()


def wrapup(call_id="W1", at=AFTER, **extra):
    data = {"notes": "Refund promised", "disposition": "Complaint", "tags": ["vip", "refund"]}
    return event(call_id, "wrapup", at, **{**data, **extra})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tags", "vip"),
        ("tags", ["x"] * 21),
        ("tags", ["x" * 65]),
        ("tags", [3]),
        ("notes", "n" * 4001),
        ("disposition", "d" * 129),
        ("notes", 5),
    ],
)
def test_bad_wrapup_fields_are_400_naming_the_field(api, tenant, field, value):
    response = api.post(URL, [event("W1", "ringing"), wrapup(**{field: value})], format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]["1"]


def test_wrapup_after_end_folds_without_changing_the_call(
    api, tenant, fake_connector, run_on_commit, member_client
):
    post(api, run_on_commit, call_events("W1", start=T0, duration=95))
    before = Call.objects.for_tenant(tenant).get()
    post(api, run_on_commit, [wrapup(status="missed", duration_seconds=1)])
    call = Call.objects.for_tenant(tenant).get()
    assert (call.notes, call.disposition, call.tags) == (
        "Refund promised",
        "Complaint",
        ["vip", "refund"],
    )
    assert (call.status, call.ended_at, call.duration_seconds, call.ended) == (
        before.status,
        before.ended_at,
        before.duration_seconds,
        True,
    )
    assert call.activities.count() == 1
    body = api.get(f"/api/v1/calls/{call.pk}/").json()
    assert body["disposition"] == "Complaint" and body["tags"] == ["vip", "refund"]
    assert body["notes"] == "Refund promised" and body["status"] == "answered"
    assert [e["type"] for e in body["events"]][-1] == "wrapup"
    page = member_client.get(f"/calls/{call.pk}/").content.decode()
    assert "Refund promised" in page and "Complaint" in page and "vip" in page


def test_latest_wrapup_wins_and_empty_tags_clear(api, tenant, fake_connector, run_on_commit):
    post(api, run_on_commit, call_events("W1", start=T0, duration=95))
    post(api, run_on_commit, [wrapup()])
    post(
        api,
        run_on_commit,
        [wrapup(at="2026-11-20T10:06:00+01:00", notes="Called back", disposition="", tags=[])],
    )
    call = Call.objects.for_tenant(tenant).get()
    assert (call.notes, call.disposition, call.tags) == ("Called back", "Complaint", [])


def test_wrapup_updates_the_one_crm_record(
    api, tenant, fake_connector, fake_crm, run_on_commit, member_client, monkeypatch
):
    use_provider(monkeypatch, "FULL_PROVIDER")
    conf = CallSyncSettings.for_connector(fake_connector)
    conf.subject_template = "{direction} call {phone} {disposition}"
    conf.save()
    post(api, run_on_commit, call_events("W1", start=T0, duration=95))
    record = SyncRecord.objects.for_tenant(tenant).get()
    assert record.last_action == "created" and record.crm_record_id
    first_written = record.crm_updated_at
    post(api, run_on_commit, [wrapup()])
    assert len(fake_crm.records) == 1 and [a for a, _ in fake_crm.writes] == ["created", "updated"]
    sent = fake_crm.records[record.key]["log"]
    assert sent.crm_record_id == record.crm_record_id  # the stored id goes with the update
    assert (sent.notes, sent.disposition, sent.tags) == (
        "Refund promised",
        "Complaint",
        ["vip", "refund"],
    )
    assert sent.subject.endswith("Complaint")
    record.refresh_from_db()
    assert record.last_action == "updated" and record.crm_updated_at > first_written
    entry = api.get(f"/api/v1/calls/{record.call_id}/").json()["sync"][0]
    assert entry["last_action"] == "updated" and entry["updated_at"]
    page = member_client.get(f"/calls/{record.call_id}/").content.decode()
    assert re.search(r"updated in Fake CRM at \d\d:\d\d CES?T", page)


def test_a_crm_that_cannot_update_says_so(
    api, tenant, fake_connector, fake_crm, run_on_commit, member_client, monkeypatch
):
    use_provider(monkeypatch, "FROZEN_PROVIDER")
    fake_crm.updatable = False
    post(api, run_on_commit, call_events("W1", start=T0, duration=95))
    post(api, run_on_commit, [wrapup()])
    record = SyncRecord.objects.for_tenant(tenant).get()
    assert record.state == "synced" and record.last_action == "unchanged"
    assert len(fake_crm.records) == 1
    entry = api.get(f"/api/v1/calls/{record.call_id}/").json()["sync"][0]
    assert "Frozen CRM cannot update a logged call" in entry["reason_text"]
    page = member_client.get(f"/calls/{record.call_id}/").content.decode()
    assert "Frozen CRM cannot update a logged call" in page
    assert "updated in Frozen CRM" not in page


@pytest.mark.simulator(contacts=0)
def test_wrapup_updates_the_same_salesforce_task(api, tenant, salesforce_sim, run_on_commit):
    sf = authorized_salesforce(tenant, salesforce_sim)
    conf = CallSyncSettings.for_connector(sf)
    conf.subject_template = "{direction} call {disposition}"
    conf.save()
    post(api, run_on_commit, call_events("W1", start=T0, duration=95))
    record = SyncRecord.objects.for_tenant(tenant).get()
    assert salesforce_sim.tasks[record.key]["Subject"].strip() == "Inbound call"
    post(api, run_on_commit, [wrapup()])
    record.refresh_from_db()
    assert len(salesforce_sim.tasks) == 1
    assert salesforce_sim.tasks[record.key]["Subject"] == "Inbound call Complaint"
    assert record.state == "synced" and record.last_action == "updated"
