"""Unknown callers at delivery time (calls/callers.py): log unlinked, skip, create once."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls import callers, tasks
from calls.models import Call, CreatedCaller
from connectors import registry
from connectors.errors import ConnectorError
from connectors.models import ConnectorStatus
from contacts.models import Contact
from delivery.models import DeliveryAttempt, SyncRecord
from tests.calls import fakes_identity
from tests.calls.conftest import call_events
from tests.calls.fakes_identity import CreatingConnector, CreatingCRM
from tests.calls.identity import PHONE, policy, record_of, stored
from tests.factories import make_connector

URL = "/api/v1/call-events/"


@pytest.fixture
def crm(monkeypatch):
    for kind, name in (("fake_create", "PROVIDER"), ("fake_contacts_only", "CONTACTS_ONLY")):
        monkeypatch.setitem(registry.PROVIDERS, kind, (kind, f"tests.calls.fakes_identity.{name}"))
    registry.provider.cache_clear()
    crm = CreatingCRM()
    monkeypatch.setattr(CreatingConnector, "crm", crm)
    yield crm
    registry.provider.cache_clear()


def account_of(tenant, kind="fake_create"):
    return make_connector(
        tenant, kind=kind, name="Creating", settings={}, credentials={},
        status=ConnectorStatus.AUTHORIZED,
    )  # fmt: skip


@pytest.fixture
def account(tenant, crm):
    return account_of(tenant)


def send(api, run_on_commit, *calls):
    """Calls from PHONE, ten minutes apart (not duplicates of each other), in one request."""
    events = []
    for i, call_id in enumerate(calls):
        events += call_events(call_id, start=f"2026-11-20T10:{i * 10:02d}:00+01:00")
    response = run_on_commit(api.post, URL, events, format="json")
    assert response.status_code == 202


def record(tenant, call_id):
    return record_of(Call.objects.for_tenant(tenant).get(call_id=call_id))


def sweep(run_on_commit):
    SyncRecord.objects.unscoped().update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    run_on_commit(tasks.sweep)


def test_log_unmatched_writes_the_call_unlinked(api, tenant, account, crm, run_on_commit):
    send(api, run_on_commit, "U1")
    row = record(tenant, "U1")
    assert row.state == "synced" and crm.records[row.key]["log"].contact_crm_id == ""
    assert row.match["resolved"] and row.match["candidates"] == 0 and not crm.created
    entry = api.get(f"/api/v1/calls/{row.call_id}/").json()["sync"][0]
    assert entry["match"] == {"type": "", "crm_id": "", "source": "local", "candidates": 0}
    assert entry["match_text"] == "No match: logged without a link"


def test_skip_ends_skipped_with_reason_unknown_caller(api, tenant, account, crm, run_on_commit):
    policy(account, unknown_caller="skip")  # live lookup on: decided when delivered
    send(api, run_on_commit, "U1")
    row = record(tenant, "U1")
    assert (row.state, row.reason) == ("skipped", "unknown_caller") and not crm.records
    assert DeliveryAttempt.objects.for_tenant(tenant).get(record=row).outcome == "skipped"
    entry = api.get(f"/api/v1/calls/{row.call_id}/").json()["sync"][0]
    assert entry["state"] == "skipped" and entry["reason"] == "unknown_caller"
    assert "skips unknown callers" in entry["reason_text"]


def test_skip_without_live_lookup_is_decided_at_once(api, tenant, account, crm, run_on_commit):
    policy(account, unknown_caller="skip", live_lookup=False)
    send(api, run_on_commit, "U1")
    row = record(tenant, "U1")
    assert (row.state, row.reason, row.attempts) == ("skipped", "unknown_caller", 0)


@pytest.mark.parametrize(
    "rule, prefix, kind", [("create_contact", "003", "contact"), ("create_lead", "00Q", "lead")]
)
def test_create_once_for_two_calls_in_one_batch(
    api, tenant, account, crm, run_on_commit, rule, prefix, kind
):
    policy(account, unknown_caller=rule, objects_order=["contact", "lead"])
    send(api, run_on_commit, "U1", "U2")
    assert len(crm.created) == 1 and crm.created[0].type == kind
    new_id = f"{prefix}NEW0001"
    first, second = record(tenant, "U1"), record(tenant, "U2")
    for row in (first, second):
        log_ = crm.records[row.key]["log"]
        assert (log_.contact_crm_id, log_.contact_type) == (new_id, kind)
    assert first.match["source"] == "created"
    assert second.match["source"] == "local"  # stored by the first: the store knows it now
    assert Contact.objects.for_tenant(tenant).get(crm_id=new_id).type == kind
    assert CreatedCaller.objects.for_tenant(tenant).get().crm_id == new_id
    entry = api.get(f"/api/v1/calls/{first.call_id}/").json()["sync"][0]
    assert entry["match"] == {"type": kind, "crm_id": new_id, "source": "created", "candidates": 0}
    assert entry["match_text"].startswith(f"No match; a {kind} was created in Creating CRM")


def test_create_once_across_a_retried_delivery(api, tenant, account, crm, run_on_commit):
    policy(account, unknown_caller="create_contact")
    crm.faults.append(fakes_identity.transient())  # the call-log write fails after the create
    send(api, run_on_commit, "U1")
    row = record(tenant, "U1")
    assert row.state == "failed" and len(crm.created) == 1
    assert row.payload["contact_crm_id"] == "003NEW0001"  # saved before the write
    sweep(run_on_commit)
    row.refresh_from_db()
    assert row.state == "synced" and len(crm.created) == 1
    assert crm.records[row.key]["log"].contact_crm_id == "003NEW0001"


def test_a_failed_create_releases_the_claim_and_the_retry_creates(
    api, tenant, account, crm, run_on_commit
):
    policy(account, unknown_caller="create_contact")
    crm.create_faults.append(fakes_identity.transient())
    send(api, run_on_commit, "U1")
    row = record(tenant, "U1")
    assert row.state == "failed" and not crm.created
    assert not CreatedCaller.objects.for_tenant(tenant).exists()
    sweep(run_on_commit)
    row.refresh_from_db()
    assert row.state == "synced" and len(crm.created) == 1


def test_a_permanent_create_error_logs_unlinked_with_the_reason(
    api, tenant, account, crm, run_on_commit
):
    policy(account, unknown_caller="create_lead")
    crm.create_faults.append(ConnectorError("REQUIRED_FIELD_MISSING", permanent=True))
    send(api, run_on_commit, "U1")
    row = record(tenant, "U1")
    assert row.state == "synced" and crm.records[row.key]["log"].contact_crm_id == ""
    assert "refused" in api.get(f"/api/v1/calls/{row.call_id}/").json()["sync"][0]["match_text"]


def test_a_claim_in_flight_waits_and_a_dead_claim_is_taken_over(
    api, tenant, account, crm, run_on_commit
):
    policy(account, unknown_caller="create_contact")
    claim = CreatedCaller.objects.create(
        tenant=tenant, connector=account, e164=PHONE, type="contact", claimed_at=timezone.now()
    )
    send(api, run_on_commit, "U1")
    row = record(tenant, "U1")
    assert row.state == "failed" and "creating this caller" in row.last_error and not crm.created
    CreatedCaller.objects.for_tenant(tenant).filter(pk=claim.pk).update(
        claimed_at=timezone.now() - timedelta(hours=1)  # its worker died long ago
    )
    sweep(run_on_commit)
    row.refresh_from_db()
    assert row.state == "synced" and len(crm.created) == 1


def test_a_crm_that_cannot_create_the_type_logs_unlinked_and_says_why(
    api, tenant, crm, run_on_commit
):
    account = account_of(tenant, "fake_contacts_only")
    policy(account, unknown_caller="create_lead")
    send(api, run_on_commit, "U1")
    row = record(tenant, "U1")
    assert row.state == "synced" and crm.records[row.key]["log"].contact_crm_id == ""
    text = api.get(f"/api/v1/calls/{row.call_id}/").json()["sync"][0]["match_text"]
    assert text == "No match: logged without a link (Contacts-only CRM cannot create leads)"
    assert not crm.created


def test_retry_links_a_record_imported_since_a_skip(api, tenant, account, crm, run_on_commit):
    policy(account, unknown_caller="skip", live_lookup=False)
    send(api, run_on_commit, "U1")
    row = record(tenant, "U1")
    assert row.state == "skipped"
    stored(tenant, account, "003IMPORTED")
    response = run_on_commit(api.post, f"/api/v1/calls/{row.call_id}/retry/")
    assert response.status_code == 202 and response.json()["requeued"] == 1
    row.refresh_from_db()
    assert row.state == "synced" and row.match["crm_id"] == "003IMPORTED"
    assert crm.records[row.key]["log"].contact_crm_id == "003IMPORTED"


def test_retry_of_a_dead_call_log_links_a_record_imported_since(
    api, tenant, account, crm, run_on_commit
):
    crm.faults.append(ConnectorError("bad", permanent=True))
    send(api, run_on_commit, "U1")
    row = record(tenant, "U1")
    assert row.state == "dead" and row.payload["contact_crm_id"] == ""
    stored(tenant, account, "003IMPORTED")
    run_on_commit(api.post, f"/api/v1/calls/{row.call_id}/retry/")
    row.refresh_from_db()
    assert row.state == "synced" and crm.records[row.key]["log"].contact_crm_id == "003IMPORTED"


def test_retry_keeps_a_skip_that_still_holds(api, tenant, account, crm, run_on_commit):
    policy(account, unknown_caller="skip", live_lookup=False)
    send(api, run_on_commit, "U1")
    row = record(tenant, "U1")
    assert run_on_commit(api.post, f"/api/v1/calls/{row.call_id}/retry/").json()["requeued"] == 0
    row.refresh_from_db()
    assert row.state == "skipped"


def _running_row(tenant, account, key):
    return SyncRecord.objects.create(
        tenant=tenant,
        connector=account,
        kind="call_log",
        key=key,
        payload={"phone": PHONE, "owner_crm_id": ""},
        match={"resolved": False, "candidates": 0, "unknown_caller": "create_contact"},
        state="running",
        lease=uuid.uuid4(),
        locked_until=timezone.now() + timedelta(minutes=2),
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_create_one_record(tenant, crm):
    """Two delivery workers resolve two calls from the same number at the same moment."""
    account = account_of(tenant)
    pol = policy(account, unknown_caller="create_contact")
    rows = [_running_row(tenant, account, f"k{i}") for i in range(2)]
    crm.create_delay = 0.3
    outcomes, barrier = [], threading.Barrier(2)

    def work(row):
        try:
            barrier.wait()
            callers.resolve(account, account.connector, pol, row)
            outcomes.append(row.match["source"])
        except callers.InFlight:
            outcomes.append("in_flight")
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(r,)) for r in rows]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(crm.created) == 1
    assert sorted(outcomes) in (["created", "in_flight"], ["created", "local"])
    assert CreatedCaller.objects.for_tenant(tenant).get().crm_id == "003NEW0001"


def test_a_batch_of_unknown_callers_saves_their_links_in_one_update(
    api, tenant, account, crm, run_on_commit
):
    send(api, run_on_commit, "B1", "B2", "B3", "B4")
    rows = SyncRecord.objects.for_tenant(tenant).order_by("pk")
    assert [r.state for r in rows] == ["synced"] * 4
    assert all(r.match["resolved"] and r.payload["contact_crm_id"] == "" for r in rows)
    # The same batch again, as the outbox hands it to the sender (running, under one lease):
    rows = list(rows)
    lease = uuid.uuid4()
    SyncRecord.objects.for_tenant(tenant).update(state="running", lease=lease)
    for r in rows:
        r.state, r.lease = "running", lease
        r.match = {**r.match, "resolved": False}
    with CaptureQueriesContext(connection) as ctx:
        callers.deliver_call_logs(account.connector, rows)
    updates = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
    assert sum('"match"' in sql for sql in updates) == 1, updates
    assert all(r.match["resolved"] for r in SyncRecord.objects.for_tenant(tenant))
