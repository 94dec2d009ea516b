"""One DeliveryAttempt row per try of an outbox row (issue 12, item 2), shown on the call page
and in the call's API detail; the kind registry filled by the apps."""

from datetime import timedelta

from django.utils import timezone

from calls import tasks
from calls.models import Call
from connectors.errors import ConnectorError
from connectors.types import WriteResult
from delivery import kinds, outbox
from delivery.models import DeliveryAttempt, SyncRecord
from tests.calls.conftest import call_events
from tests.calls.fakes import transient

URL = "/api/v1/call-events/"


def outcomes(record):
    return list(record.delivery_attempts.order_by("id").values_list("number", "outcome", "error"))


def make_due():
    SyncRecord.objects.unscoped().update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_each_try_is_one_row_failed_then_synced(api, fake_connector, run_on_commit):
    fake_connector.connector.crm.faults.append(transient("HTTP 503 from fake: busy"))
    run_on_commit(api.post, URL, call_events("A1"), format="json")
    record = SyncRecord.objects.unscoped().get()
    assert outcomes(record) == [(1, "failed", "HTTP 503 from fake: busy")]
    assert record.last_error == "HTTP 503 from fake: busy"  # kept for the API
    make_due()
    run_on_commit(tasks.sweep)
    record.refresh_from_db()
    assert record.state == "synced"
    assert outcomes(record) == [(1, "failed", "HTTP 503 from fake: busy"), (2, "synced", "")]
    first, second = record.delivery_attempts.order_by("id")
    assert first.started_at <= first.finished_at <= second.started_at <= second.finished_at
    assert first.tenant_id == record.tenant_id and first.crm_request_id == ""


def test_permanent_failure_is_a_dead_attempt(api, fake_connector, run_on_commit):
    fake_connector.connector.crm.faults.append(ConnectorError("HTTP 400: bad field", True))
    run_on_commit(api.post, URL, call_events("A2"), format="json")
    record = SyncRecord.objects.unscoped().get()
    assert record.state == "dead" and outcomes(record) == [(1, "dead", "HTTP 400: bad field")]


def test_a_dead_worker_is_a_lost_attempt_and_its_late_reply_discarded(
    api, fake_connector, run_on_commit
):
    run_on_commit(api.post, URL, call_events("A3"), format="json")
    SyncRecord.objects.unscoped().update(
        state="pending", next_attempt_at=timezone.now(), attempts=0
    )
    DeliveryAttempt.objects.unscoped().all().delete()
    (old,) = outbox.claim(fake_connector.pk, "call_log", 10)  # ... and the worker dies
    SyncRecord.objects.unscoped().update(locked_until=timezone.now() - timedelta(seconds=1))
    run_on_commit(tasks.sweep)  # re-claimed after the lease: the first try was lost
    record = SyncRecord.objects.unscoped().get()
    assert record.state == "synced"
    assert [o for _n, o, _e in outcomes(record)] == ["lost", "synced"]
    outbox.succeed_many([(old, WriteResult(key=old.key, crm_id="00TLATE"))], fake_connector)
    record.refresh_from_db()
    assert record.crm_record_id != "00TLATE"
    assert [(n, o) for n, o, _e in outcomes(record)] == [
        (1, "lost"),
        (2, "synced"),
        (1, "discarded"),
    ]


def test_a_crm_request_id_is_kept_when_the_connector_gives_one(api, fake_connector, run_on_commit):
    def with_request_id(calls):
        results = [WriteResult(key=c.key, error="duplicate value", permanent=True) for c in calls]
        for r in results:
            r.request_id = "req-42"
        return results

    fake_connector.connector.crm.faults.append(with_request_id)
    run_on_commit(api.post, URL, call_events("A4"), format="json")
    (attempt,) = SyncRecord.objects.unscoped().get().delivery_attempts.all()
    assert attempt.outcome == "dead" and attempt.crm_request_id == "req-42"


def test_call_page_shows_the_attempt_history(
    client, viewer_user, api, fake_connector, run_on_commit
):
    fake_connector.connector.crm.faults.append(transient("HTTP 503 from fake: busy"))
    run_on_commit(api.post, URL, call_events("A5"), format="json")
    make_due()
    run_on_commit(tasks.sweep)
    record = SyncRecord.objects.unscoped().get()
    client.force_login(viewer_user)
    page = client.get(f"/calls/{record.call_id}/").content.decode()
    assert f'id="attempts-{record.pk}"' in page
    table = page.split(f'id="attempts-{record.pk}"')[1].split("</table>")[0]
    assert "Failed (will retry)" in table and "HTTP 503 from fake: busy" in table
    assert "Synced" in table and table.index("Failed") < table.index("Synced")


def test_api_detail_has_attempt_history_list_unchanged(api, fake_connector, run_on_commit):
    fake_connector.connector.crm.faults.append(transient("HTTP 503 from fake: busy"))
    run_on_commit(api.post, URL, call_events("A6"), format="json")
    call = Call.objects.unscoped().get(call_id="A6")
    (sync,) = api.get(f"/api/v1/calls/{call.pk}/").json()["sync"]
    assert sync["last_error"] == "HTTP 503 from fake: busy" and sync["attempts"] == 1
    (attempt,) = sync["attempt_history"]
    assert attempt["number"] == 1 and attempt["outcome"] == "failed"
    assert attempt["error"] == "HTTP 503 from fake: busy" and attempt["crm_request_id"] == ""
    assert attempt["started_at"] and attempt["finished_at"]
    (listed,) = api.get("/api/v1/calls/").json()["results"]
    assert "attempt_history" not in listed["sync"][0]


def test_the_apps_register_their_kinds():
    registered = dict(kinds.choices())
    expected = {
        "call_log": "Call log",
        "ticket": "Ticket",
        "ticket_complete": "Ticket completion",
        "callback": "Callback",
    }
    assert expected.items() <= registered.items()  # other apps may add theirs
    kind_field = SyncRecord._meta.get_field("kind")
    assert all(len(value) <= kind_field.max_length for value in registered)  # fits the column
    assert kinds.get("call_log").crm_object == "Task"
    assert kinds.get("ticket").crm_object == "Case"
    assert SyncRecord._meta.get_field("kind").flatchoices == list(registered.items())
