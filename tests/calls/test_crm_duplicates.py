"""The start-margin duplicate check against the CRM (find_calls) before a call log is created."""

from datetime import datetime, timedelta

import pytest

from calls import tasks
from calls.models import CallSyncSettings
from connectors.errors import ConnectorError
from delivery.models import SyncRecord
from tests.calls.conftest import call_events, event
from tests.calls.fakes import transient, use_provider

URL = "/api/v1/call-events/"
T0 = "2026-11-20T10:00:00+01:00"
PHONE = "+420773794804"


def post(api, run_on_commit, events):
    response = run_on_commit(api.post, URL, events, format="json")
    assert response.status_code == 202, response.json()


@pytest.fixture
def full(fake_connector, fake_crm, monkeypatch):
    use_provider(monkeypatch, "FULL_PROVIDER")
    # Someone else's CTI logged this customer's call 20 s after ours started.
    fake_crm.others.append(
        {
            "crm_id": "00TOTHER",
            "phone": PHONE,
            "started_at": datetime.fromisoformat(T0) + timedelta(seconds=20),
        }
    )
    return fake_connector


def test_an_existing_crm_call_within_the_margin_is_linked_not_duplicated(
    api, tenant, full, fake_crm, run_on_commit, member_client
):
    post(api, run_on_commit, call_events("D1", start=T0))
    record = SyncRecord.objects.for_tenant(tenant).get()
    assert record.state == "synced" and record.crm_record_id == "00TOTHER"
    assert record.last_action == "linked" and record.crm_record_url == "https://fake.crm/00TOTHER"
    assert fake_crm.records == {} and fake_crm.find_requests == 1
    entry = api.get(f"/api/v1/calls/{record.call_id}/").json()["sync"][0]
    assert entry["last_action"] == "linked" and entry["crm_record_id"] == "00TOTHER"
    page = member_client.get(f"/calls/{record.call_id}/").content.decode()
    assert "already in the CRM (logged by someone else): linked" in page


def test_a_late_wrapup_updates_the_linked_record(api, tenant, full, fake_crm, run_on_commit):
    post(api, run_on_commit, call_events("D1", start=T0))
    post(api, run_on_commit, [event("D1", "wrapup", "2026-11-20T10:05:00+01:00", notes="ok")])
    sent = [log for log in fake_crm.records.values()]
    assert len(sent) == 1 and sent[0]["log"].crm_record_id == "00TOTHER"
    assert fake_crm.find_requests == 1  # the update is not a first write: no search


def test_outside_the_margin_or_without_a_margin_creates(api, tenant, full, fake_crm, run_on_commit):
    conf = CallSyncSettings.for_connector(full)
    conf.start_margin_seconds = 10
    conf.save()
    post(api, run_on_commit, call_events("D1", start=T0))
    assert SyncRecord.objects.for_tenant(tenant).get().last_action == "created"
    conf.start_margin_seconds = 0
    conf.save()
    post(api, run_on_commit, call_events("D2", start="2026-11-21T10:00:00+01:00"))
    assert fake_crm.find_requests == 1  # margin 0: no search at all
    assert len(fake_crm.records) == 2


def test_one_search_per_batch(api, tenant, full, fake_crm, run_on_commit):
    events = []
    for i in range(3):
        events += call_events(f"B{i}", start=f"2026-11-2{i}T10:00:00+01:00")
    post(api, run_on_commit, events)
    assert fake_crm.find_requests == 1 and fake_crm.batch_sizes == [2]  # one linked, two made
    actions = sorted(SyncRecord.objects.for_tenant(tenant).values_list("last_action", flat=True))
    assert actions == ["created", "created", "linked"]


def test_no_search_without_the_capability(api, tenant, fake_connector, fake_crm, run_on_commit):
    fake_crm.others.append({"crm_id": "00TOTHER", "phone": PHONE, "started_at": None})
    post(api, run_on_commit, call_events("D1", start=T0))
    assert fake_crm.find_requests == 0 and len(fake_crm.records) == 1


def test_a_transient_search_failure_keeps_the_call_for_a_retry(
    api, tenant, full, fake_crm, run_on_commit
):
    fake_crm.find_faults.append(transient())
    post(api, run_on_commit, call_events("D1", start=T0))
    record = SyncRecord.objects.for_tenant(tenant).get()
    assert record.state == "failed" and "503" in record.last_error
    assert fake_crm.records == {}  # nothing created blind
    SyncRecord.objects.for_tenant(tenant).update(next_attempt_at=record.updated_at)
    run_on_commit(tasks.sweep)
    record.refresh_from_db()
    assert record.state == "synced" and record.crm_record_id == "00TOTHER"


def test_a_refused_search_falls_through_to_create(api, tenant, full, fake_crm, run_on_commit):
    fake_crm.find_faults.append(ConnectorError("HTTP 403: no permission", permanent=True))
    post(api, run_on_commit, call_events("D1", start=T0))
    record = SyncRecord.objects.for_tenant(tenant).get()
    assert record.state == "synced" and record.last_action == "created"
    assert len(fake_crm.records) == 1
