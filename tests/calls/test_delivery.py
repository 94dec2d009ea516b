from datetime import timedelta

import pytest
from django.utils import timezone

from calls import call_logs, tasks
from calls.models import Call, CallEvent
from connectors.errors import AuthError, ConnectorError
from connectors.types import WriteResult
from delivery import outbox
from delivery import tasks as delivery_tasks
from delivery.models import SyncRecord
from tests.calls.conftest import call_events
from tests.calls.fakes import transient
from tests.querycount import budget_queries

URL = "/api/v1/call-events/"


def send_calls(api, run_on_commit, n, prefix="K"):
    events = []
    for i in range(n):
        events += call_events(
            f"{prefix}{i}",
            start=f"2026-11-20T1{i % 10}:0{i // 10}:00+01:00",
            caller=f"+42077{ord(prefix[0]):03d}{4800 + i}",
        )
    assert run_on_commit(api.post, URL, events, format="json").status_code == 202


def make_due(qs=None):
    (qs or SyncRecord.objects.unscoped().all()).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_batches_up_to_batch_size_one_request_each(api, tenant, fake_connector, run_on_commit):
    send_calls(api, run_on_commit, 7)
    crm = fake_connector.connector.crm
    assert sorted(crm.batch_sizes, reverse=True) == [3, 3, 1]
    assert set(SyncRecord.objects.unscoped().values_list("state", flat=True)) == {"synced"}
    record = SyncRecord.objects.unscoped().first()
    assert record.crm_record_url == f"https://fake.crm/Task/{record.crm_record_id}"


def test_transient_error_backs_off_then_succeeds(api, tenant, fake_connector, run_on_commit):
    crm = fake_connector.connector.crm
    crm.faults.append(transient())
    send_calls(api, run_on_commit, 1)
    record = SyncRecord.objects.unscoped().get()
    assert record.state == "failed" and record.attempts == 1 and "503" in record.last_error
    assert record.next_attempt_at > timezone.now() - timedelta(seconds=1)
    assert delivery_tasks.deliver(fake_connector.pk, "call_log") == 0  # not due yet
    make_due()
    run_on_commit(tasks.sweep)
    record.refresh_from_db()
    assert record.state == "synced" and record.attempts == 2 and record.last_error == ""


def test_retry_after_is_honoured(api, tenant, fake_connector, run_on_commit):
    fake_connector.connector.crm.faults.append(transient("HTTP 429", retry_after=600))
    send_calls(api, run_on_commit, 1)
    record = SyncRecord.objects.unscoped().get()
    assert record.next_attempt_at >= timezone.now() + timedelta(seconds=590)


def test_backoff_formula_equal_jitter_with_cap(settings):
    settings.CALLS_RETRY_BASE_SECONDS, settings.CALLS_RETRY_CAP_SECONDS = 5, 60
    delays = [outbox.backoff(10) for _ in range(200)]
    assert max(delays) <= 60 and min(delays) >= 30 and max(delays) - min(delays) > 15
    assert all(2.5 <= outbox.backoff(1) <= 5 for _ in range(50))  # never an immediate retry
    assert outbox.backoff(1, ConnectorError("x", retry_after=90)) >= 90


def test_dead_after_max_attempts_then_manual_retry(
    api, tenant, fake_connector, run_on_commit, settings
):
    settings.CALLS_MAX_ATTEMPTS = 3
    crm = fake_connector.connector.crm
    crm.faults += [transient(), transient(), transient()]
    send_calls(api, run_on_commit, 1)
    for _ in range(2):
        make_due()
        run_on_commit(tasks.sweep)
    record = SyncRecord.objects.unscoped().get()
    assert record.state == "dead" and record.attempts == 3 and record.next_attempt_at is None
    response = run_on_commit(api.post, f"/api/v1/calls/{record.call_id}/retry/")
    assert response.status_code == 202 and response.json()["requeued"] == 1
    record.refresh_from_db()
    assert record.state == "synced" and len(crm.records) == 1


def test_permanent_error_is_dead_at_once_but_auth_error_retries(
    api, tenant, fake_connector, run_on_commit
):
    crm = fake_connector.connector.crm
    crm.faults += [ConnectorError("INVALID_FIELD: Subject", permanent=True)]
    send_calls(api, run_on_commit, 1, prefix="P")
    assert SyncRecord.objects.unscoped().get().state == "dead"
    crm.faults += [AuthError("session expired")]
    send_calls(api, run_on_commit, 1, prefix="Q")
    assert SyncRecord.objects.unscoped().get(call__call_id="Q0").state == "failed"


def test_per_record_results_are_applied(api, tenant, fake_connector, run_on_commit):
    def partial(calls):
        return [
            WriteResult(key=calls[0].key, crm_id="00T1"),
            WriteResult(key=calls[1].key, error="REQUIRED_FIELD_MISSING", permanent=True),
        ]
        # the third key is missing from the reply: treated as transient

    fake_connector.connector.crm.faults.append(partial)
    send_calls(api, run_on_commit, 3)
    states = list(
        SyncRecord.objects.unscoped().order_by("call__started_at").values_list("state", flat=True)
    )
    assert sorted(states) == ["dead", "failed", "synced"]


def test_worker_dies_after_crm_wrote_lease_expires_no_duplicate(
    api, tenant, fake_connector, run_on_commit, settings
):
    """Claim a batch, the CRM writes it, the process dies before marking rows: the sweeper
    re-claims after the lease; the idempotent key stops a second CRM record."""
    crm = fake_connector.connector.crm
    send_calls(api, run_on_commit, 2)  # delivered normally; now simulate a crash on new ones
    SyncRecord.objects.unscoped().update(
        state="pending", next_attempt_at=timezone.now(), attempts=0
    )
    records = outbox.claim(fake_connector.pk, "call_log", 10)
    assert len(records) == 2 and {r.state for r in records} == {"running"}
    fake_connector.connector.log_calls([call_logs.call_log_from(r.payload) for r in records])
    # ... killed here. Nothing is due while the lease holds:
    assert outbox.claim(fake_connector.pk, "call_log", 10) == []
    SyncRecord.objects.unscoped().update(locked_until=timezone.now() - timedelta(seconds=1))
    assert run_on_commit(tasks.sweep)["deliver"] == 1
    assert set(SyncRecord.objects.unscoped().values_list("state", flat=True)) == {"synced"}
    assert len(crm.records) == 2
    # the dead worker's late reply cannot overwrite the new lease holder's outcome
    outbox.fail(records[0], transient())
    assert SyncRecord.objects.unscoped().get(pk=records[0].pk).state == "synced"


def test_lost_fold_message_is_found_by_the_sweeper(api, tenant, fake_connector):

    api.post(URL, call_events("L1"), format="json")  # on_commit never runs: message "lost"
    assert not Call.objects.unscoped().filter(call_id="L1").exists()
    CallEvent.objects.unscoped().update(received_at=timezone.now() - timedelta(seconds=10))
    tasks.sweep()
    assert Call.objects.unscoped().get(call_id="L1").ended
    assert not CallEvent.objects.unscoped().filter(folded=False).exists()


def test_ringing_event_goes_to_crms_that_want_call_events(
    api, tenant, fake_connector, run_on_commit
):
    run_on_commit(api.post, URL, call_events("E1")[:1], format="json")
    events = fake_connector.connector.crm.events
    assert [e["type"] for e in events] == ["ringing"] and events[0]["call_id"] == "E1"


def test_enqueue_is_idempotent_for_other_apps(tenant, fake_connector, run_on_commit):
    payload = {"key": "t-1", "subject": "Missed call", "description": ""}
    first = outbox.enqueue(fake_connector, kind="ticket", key="t-1", payload=payload)
    again = outbox.enqueue(fake_connector, kind="ticket", key="t-1", payload=payload)
    assert first.pk == again.pk and SyncRecord.objects.unscoped().count() == 1


@pytest.mark.parametrize("kind", ["call_log"])
def test_deliver_for_deleted_connector_is_quiet(kind, db):
    assert delivery_tasks.deliver(999999, kind) == 0


def test_a_stale_lease_cannot_mark_rows_synced(api, tenant, fake_connector, run_on_commit):

    send_calls(api, run_on_commit, 1, prefix="Z")
    SyncRecord.objects.unscoped().update(
        state="pending", next_attempt_at=timezone.now(), crm_record_id=""
    )
    (old,) = outbox.claim(fake_connector.pk, "call_log", 10)
    SyncRecord.objects.unscoped().update(locked_until=timezone.now() - timedelta(seconds=1))
    (new,) = outbox.claim(fake_connector.pk, "call_log", 10)  # another worker took over
    outbox.succeed_many([(old, WriteResult(key=old.key, crm_id="00TSTALE"))], fake_connector)
    record = SyncRecord.objects.unscoped().get()
    assert record.state == "running" and record.crm_record_id == ""
    outbox.succeed_many([(new, WriteResult(key=new.key, crm_id="00TNEW"))], fake_connector)
    record.refresh_from_db()
    assert record.state == "synced" and record.crm_record_id == "00TNEW"


def test_list_api_loads_events_in_one_query(
    api, tenant, fake_connector, run_on_commit, django_assert_max_num_queries
):
    send_calls(api, run_on_commit, 5, prefix="N")
    with django_assert_max_num_queries(8 + budget_queries()):
        body = api.get("/api/v1/calls/").json()
    assert body["count"] == 5 and all(len(c["events"]) == 3 for c in body["results"])
