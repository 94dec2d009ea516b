"""Decisions lock only the customer's number on a connector (calls/number_locks.py), read the
connector's settings without locking them (the rows exist from the connector's creation on),
and look for duplicates among the tenant's own calls only."""

import threading
import time
from datetime import datetime, timedelta

import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.decisions import decide_calls
from calls.models import Call, CallSyncSettings
from connectors.models import ConnectorAccount
from delivery.models import SyncRecord
from tests.factories import make_connector

T0 = datetime.fromisoformat("2026-11-20T10:00:00+01:00")
NUMBER, OTHER_NUMBER = "+420773794804", "+420773794805"


def make_call(tenant, call_id, phone=NUMBER, start=T0):
    return Call.objects.create(
        tenant=tenant,
        call_id=call_id,
        direction="in",
        caller=phone,
        caller_e164=phone,
        phone_e164=phone,
        status="answered",
        started_at=start,
        answered_at=start + timedelta(seconds=5),
        ended_at=start + timedelta(seconds=100),
        duration_seconds=95,
        ended=True,
    )


def decide(tenant, call, *, lock_timeout_ms=None, hold: threading.Event | None = None, ready=None):
    """Decide one call as the fold does (its row locked, in one transaction); with `hold`,
    keep the transaction open (its locks held) until the event is set."""
    with transaction.atomic():
        if lock_timeout_ms is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{int(lock_timeout_ms)}ms'")
        locked = Call.objects.for_tenant(tenant).select_for_update().get(pk=call.pk)
        decide_calls(tenant, [locked])
        Call.objects.for_tenant(tenant).filter(pk=call.pk).update(decided_at=timezone.now())
        if ready is not None:
            ready.set()
        if hold is not None:
            assert hold.wait(20)


def holding(tenant, call):
    """Start deciding `call` in a thread that keeps its transaction open; (release, thread)."""
    ready, release, errors = threading.Event(), threading.Event(), []

    def run():
        try:
            decide(tenant, call, hold=release, ready=ready)
        except Exception as exc:  # reported by the test
            errors.append(exc)
            ready.set()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert ready.wait(20) and not errors, errors
    return release, thread, errors


def outcomes(tenant):
    rows = SyncRecord.objects.for_tenant(tenant).order_by("call__call_id")
    return [(r.call.call_id, r.state == "skipped", r.reason) for r in rows]


# --- settings rows ------------------------------------------------------------------------------


def test_settings_row_exists_after_connector_creation(tenant, fake_crm):
    connector = make_connector(tenant, kind="fake", settings={}, credentials={})
    conf = CallSyncSettings.objects.for_tenant(tenant).get(connector=connector)
    assert conf.start_margin_seconds == 60 and conf.enabled


def test_settings_row_exists_after_connector_created_through_the_api(api, tenant):
    from tests.factories import SF_CREDENTIALS, SF_SETTINGS

    body = {
        "kind": "salesforce",
        "name": "SF",
        "settings": SF_SETTINGS,
        "credentials": SF_CREDENTIALS,
    }
    response = api.post("/api/v1/connectors/", body, format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert CallSyncSettings.objects.for_tenant(tenant).filter(connector_id=pk).exists()


def test_deciding_never_inserts_or_locks_settings(tenant, fake_connector):
    call = make_call(tenant, "S1")
    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        decide_calls(tenant, [call])
    settings_sql = [q["sql"] for q in ctx.captured_queries if "calls_callsyncsettings" in q["sql"]]
    assert settings_sql, "the settings are read"
    assert not [s for s in settings_sql if s.lstrip().upper().startswith("INSERT")]
    assert not [s for s in settings_sql if "FOR UPDATE" in s.upper()]


def test_a_connector_inserted_without_signals_still_gets_its_row(tenant, fake_connector):
    CallSyncSettings.objects.for_tenant(tenant).filter(connector=fake_connector).delete()
    found = CallSyncSettings.for_connectors([fake_connector])
    assert found[fake_connector.pk].pk is not None
    assert CallSyncSettings.objects.for_tenant(tenant).filter(connector=fake_connector).count() == 1


def test_migration_creates_rows_for_existing_connectors(tenant, fake_connector):
    from importlib import import_module

    from django.db.migrations.loader import MigrationLoader

    CallSyncSettings.objects.for_tenant(tenant).filter(connector=fake_connector).delete()
    state = MigrationLoader(connection).project_state(("calls", "0008_sync_settings_rows"))
    import_module("calls.migrations.0008_sync_settings_rows").create_rows(state.apps, None)
    assert CallSyncSettings.objects.for_tenant(tenant).filter(connector=fake_connector).exists()
    assert (
        ConnectorAccount.objects.unscoped().count() == CallSyncSettings.objects.unscoped().count()
    )


# --- the duplicate query is the tenant's --------------------------------------------------------


def test_duplicate_query_is_scoped_to_the_calls_tenant(tenant, other_tenant, fake_connector):
    make_call(other_tenant, "X1")  # another tenant's call of the same number, same minute
    call = make_call(tenant, "D1")
    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        decide_calls(tenant, [call])
    # The recent calls of the number (then their call-log rows, by key): led by the tenant.
    recent = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "calls_call"."phone_e164"')
        and '"calls_call"."phone_e164" IN' in q["sql"]
    ]
    assert len(recent) == 1, [q["sql"] for q in ctx.captured_queries]
    assert f'"calls_call"."tenant_id" = {tenant.pk}' in recent[0]
    assert outcomes(tenant) == [("D1", False, "")]


def test_duplicates_are_per_number_and_connector(tenant, fake_connector):
    first, same, other = (
        make_call(tenant, "N1"),
        make_call(tenant, "N2", start=T0 + timedelta(seconds=30)),
        make_call(tenant, "N3", phone=OTHER_NUMBER, start=T0 + timedelta(seconds=30)),
    )
    for call in (first, same, other):
        decide(tenant, call)
    assert outcomes(tenant) == [("N1", False, ""), ("N2", True, "duplicate"), ("N3", False, "")]


def test_duplicates_of_long_call_ids_are_found_by_their_hashed_key(tenant, fake_connector):
    long_id = "L" * 100  # its call-log key is hashed (keys are at most 80 characters)
    first = make_call(tenant, long_id)
    second = make_call(tenant, "N2", start=T0 + timedelta(seconds=30))
    decide(tenant, first)
    decide(tenant, second)
    assert outcomes(tenant) == [(long_id, False, ""), ("N2", True, "duplicate")]
    assert SyncRecord.objects.for_tenant(tenant).get(call=second).reason_detail == {
        "other_call_id": long_id,
        "margin": CallSyncSettings.for_connector(fake_connector).start_margin_seconds,
    }


# --- concurrency (PostgreSQL: real row and advisory locks) ---------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_different_numbers_of_one_connector_do_not_wait(tenant, fake_connector):
    a, b = make_call(tenant, "P1"), make_call(tenant, "P2", phone=OTHER_NUMBER)
    release, thread, errors = holding(tenant, a)  # P1's decision open, its locks held
    try:
        started = time.monotonic()
        decide(tenant, b, lock_timeout_ms=2000)  # a connector-wide lock would time out here
        waited = time.monotonic() - started
    finally:
        release.set()
        thread.join(20)
    assert not errors, errors
    assert waited < 1.5
    assert outcomes(tenant) == [("P1", False, ""), ("P2", False, "")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_number_waits_for_the_open_decision_then_is_a_duplicate(tenant, fake_connector):
    a, b = make_call(tenant, "Q1"), make_call(tenant, "Q2", start=T0 + timedelta(seconds=20))
    release, thread, errors = holding(tenant, a)
    try:
        with pytest.raises(OperationalError, match="lock timeout"):
            decide(tenant, b, lock_timeout_ms=300)  # Q1's number is locked until its commit
    finally:
        release.set()
        thread.join(20)
    assert not errors, errors
    decide(tenant, b)
    assert outcomes(tenant) == [("Q1", False, ""), ("Q2", True, "duplicate")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("n", [2, 6])
def test_same_number_decided_at_once_gives_one_log(tenant, fake_connector, n):
    calls = [make_call(tenant, f"R{i}", start=T0 + timedelta(seconds=i)) for i in range(n)]
    barrier, errors = threading.Barrier(n), []

    def run(call):
        try:
            barrier.wait(10)
            decide(tenant, call)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    found = outcomes(tenant)
    assert len(found) == n
    assert [skipped for _, skipped, _ in found].count(False) == 1
    assert sorted(reason for _, skipped, reason in found if skipped) == ["duplicate"] * (n - 1)
