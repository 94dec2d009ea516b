"""Delivery into the Salesforce simulator over real HTTP: batching, faults, retries, dead, crash."""

from datetime import timedelta

import pytest
from django.utils import timezone

from calls import tasks
from calls.decisions import call_log_key
from calls.models import Call
from calls.services import fold_calls
from delivery.models import SyncRecord
from tests.calls.conftest import call_events
from tests.factories import authorized_salesforce

pytestmark = pytest.mark.simulator(contacts=5)  # the seed of salesforce_sim (tests/conftest.py)

URL = "/api/v1/call-events/"


@pytest.fixture
def sf(tenant, salesforce_sim):
    return authorized_salesforce(tenant, salesforce_sim)


def composite(salesforce_sim):
    return [
        p for m, p in salesforce_sim.requests if m == "PATCH" and "/composite/sobjects/Task/" in p
    ]


def post_calls(api, run_on_commit, n, prefix="S"):
    events = []
    for i in range(n):
        events += call_events(
            f"{prefix}{i}",
            start=f"2026-11-20T10:{i // 60:02d}:{i % 60:02d}+01:00",
            caller=f"+42060{ord(prefix[0]):03d}{i:04d}",
        )
    response = run_on_commit(api.post, URL, events, format="json")
    assert response.status_code == 202


def make_due():
    SyncRecord.objects.unscoped().update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_250_calls_in_two_requests_with_links(api, tenant, sf, salesforce_sim, run_on_commit):
    post_calls(api, run_on_commit, 250)
    assert SyncRecord.objects.unscoped().filter(state="synced").count() == 250
    assert len(composite(salesforce_sim)) == 2 and len(salesforce_sim.tasks) == 250
    record = SyncRecord.objects.unscoped().first()
    assert record.crm_record_id.startswith("00T") and record.crm_record_id in record.crm_record_url
    task = salesforce_sim.tasks[record.key]
    assert task["Subject"].startswith("Inbound call +42060")


@pytest.mark.parametrize(
    "fault",
    [
        # Delivery never retries inline (issue 11, point 4): one failure reaches the outbox.
        {"status": 503},
        {"status": 429, "headers": {"Retry-After": "120"}},  # pauses the connector 120 s
        {"status": 0, "delay": 1.0},  # a read timeout (the write may land: upsert)
    ],
    ids=["5xx", "429", "timeout"],
)
def test_transient_fault_then_retry_succeeds(
    api, sf, salesforce_sim, run_on_commit, settings, fault
):
    settings.HTTP_TIMEOUT_READ = 0.5
    salesforce_sim.fail_next(path="/composite/sobjects/Task", **fault)
    post_calls(api, run_on_commit, 2)
    record = SyncRecord.objects.unscoped().first()
    assert record.state == "failed" and record.attempts == 1 and record.last_error
    if fault["status"] == 429:
        assert record.next_attempt_at >= timezone.now() + timedelta(seconds=110)
        sf.refresh_from_db()
        breaker = sf.state["breaker"]
        assert breaker["open"] and breaker["status"] == 429
        sf.set_state_key("breaker", {**breaker, "until": timezone.now().isoformat()})  # over
    make_due()
    run_on_commit(tasks.sweep)
    assert set(SyncRecord.objects.unscoped().values_list("state", flat=True)) == {"synced"}
    assert len(salesforce_sim.tasks) == 2


def test_dead_after_max_attempts_and_manual_retry(api, sf, salesforce_sim, run_on_commit, settings):
    settings.CALLS_MAX_ATTEMPTS = 2
    salesforce_sim.fail_next(status=500, times=100, path="/composite/sobjects/Task")
    post_calls(api, run_on_commit, 1)
    make_due()
    run_on_commit(tasks.sweep)
    record = SyncRecord.objects.unscoped().get()
    assert record.state == "dead" and record.attempts == 2 and "HTTP 500" in record.last_error
    salesforce_sim.faults.clear()
    response = run_on_commit(api.post, f"/api/v1/calls/{record.call_id}/retry/")
    assert response.status_code == 202
    record.refresh_from_db()
    assert record.state == "synced" and len(salesforce_sim.tasks) == 1


def test_answer_lost_after_crm_wrote_no_duplicate_task(api, sf, salesforce_sim, run_on_commit):
    """The CRM stores the batch but the reply is lost (as if the worker died before marking
    the rows): the retry upserts by the same key and Salesforce keeps one Task per call."""
    salesforce_sim.fail_after_write = 5
    post_calls(api, run_on_commit, 3)
    assert len(salesforce_sim.tasks) == 3
    assert set(SyncRecord.objects.unscoped().values_list("state", flat=True)) == {"failed"}
    salesforce_sim.fail_after_write = 0
    make_due()
    run_on_commit(tasks.sweep)
    assert set(SyncRecord.objects.unscoped().values_list("state", flat=True)) == {"synced"}
    assert len(salesforce_sim.tasks) == 3


def test_per_record_error_from_salesforce(api, sf, salesforce_sim, run_on_commit):

    post_calls(api, run_on_commit, 1, prefix="A")
    call = Call.objects.unscoped().get()
    SyncRecord.objects.unscoped().all().delete()
    Call.objects.unscoped().update(decided_at=None)
    salesforce_sim.record_errors[call_log_key(call)] = (
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "Subject bad",
    )

    run_on_commit(fold_calls, call.tenant_id, [call.call_id])
    record = SyncRecord.objects.unscoped().get()
    assert record.state in ("dead", "failed") and "Subject bad" in record.last_error
