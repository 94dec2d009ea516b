# ruff: noqa: F811  (fixtures imported from tests/calls/conftest.py)
"""Issue 11, point 4: one tenant's CRM never holds up another tenant's call logging.

Over real HTTP against the Salesforce simulator: a 429 with Retry-After pauses that connector
(circuit breaker on the connector row) without any sleep in the worker, its rows wait exactly as
long as the CRM asked, claims skip it while another tenant's connector is delivered, and the
breaker half-opens after the pause and closes on success.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from calls import tasks
from connectors.models import ConnectorAccount
from delivery import outbox
from delivery import tasks as delivery_tasks
from delivery.models import SyncRecord
from simulators.salesforce import SalesforceSimulator
from tests.calls.conftest import _clear_caches, call_events, run_on_commit  # noqa: F401
from tests.conftest import api_client_for
from tests.factories import authorized_salesforce

URL = "/api/v1/call-events/"


@pytest.fixture
def sims():
    started = [SalesforceSimulator(contacts=0).start() for _ in range(2)]
    yield started
    for sim in started:
        sim.stop()


@pytest.fixture
def crm_a(tenant, sims):
    return authorized_salesforce(tenant, sims[0], name="A's org")


@pytest.fixture
def crm_b(other_tenant, sims):
    return authorized_salesforce(other_tenant, sims[1], name="B's org")


@pytest.fixture(autouse=True)
def _seam_would_wait(settings):
    """Settings under which the seam, left alone, WOULD sleep inline on a 30 s Retry-After."""
    settings.HTTP_RETRIES = 3
    settings.HTTP_MAX_INLINE_RETRY_AFTER = 60.0


def post_calls(api, run_on_commit, n, prefix):
    events = []
    for i in range(n):
        events += call_events(
            f"{prefix}{i}",
            start=f"2026-11-20T10:{i // 60:02d}:{i % 60:02d}+01:00",
            caller=f"+42060{ord(prefix[0]):03d}{i:04d}",
        )
    assert run_on_commit(api.post, URL, events, format="json").status_code == 202


def breaker_of(account) -> dict:
    return ConnectorAccount.objects.unscoped().get(pk=account.pk).state.get("breaker") or {}


def end_pause(account) -> None:
    """Time passes: the pause is over (half-open); the rows are due again."""
    account.refresh_from_db()
    past = timezone.now() - timedelta(seconds=1)
    account.set_state_key("breaker", {**account.state["breaker"], "until": past.isoformat()})
    SyncRecord.objects.unscoped().filter(connector=account).exclude(state="synced").update(
        next_attempt_at=past
    )


def composite(sim) -> int:
    return sum(1 for m, p in sim.requests if m == "PATCH" and "/composite/sobjects/Task" in p)


def test_429_pauses_the_connector_at_once_and_rows_wait_for_retry_after(
    tenant, api, crm_a, sims, run_on_commit
):
    sim = sims[0]
    sim.rate_limit(retry_after=30)
    started = time.monotonic()
    post_calls(api, run_on_commit, 3, "A")  # ingest -> fold -> decide -> deliver, all inline
    elapsed = time.monotonic() - started
    assert elapsed < 3, f"the worker waited on Retry-After ({elapsed:.1f} s)"
    assert sim.throttled == 1  # one request, no inline retry
    breaker = breaker_of(crm_a)
    until = parse_datetime(breaker["until"])
    assert breaker["open"] and breaker["status"] == 429 and breaker["kind"] == "wait"
    assert breaker["reason"] == "the CRM is rate-limiting (HTTP 429)"
    assert timezone.now() + timedelta(seconds=27) < until < timezone.now() + timedelta(seconds=31)
    rows = list(SyncRecord.objects.unscoped().filter(connector=crm_a))
    assert len(rows) == 3 and {r.state for r in rows} == {"failed"}
    assert all(r.next_attempt_at >= until for r in rows)
    assert all("429" in r.last_error for r in rows)
    # A deliver task for a paused connector returns at once, without asking the CRM.
    SyncRecord.objects.unscoped().filter(connector=crm_a).update(next_attempt_at=timezone.now())
    started = time.monotonic()
    assert delivery_tasks.deliver(crm_a.pk, "call_log") == 0
    assert time.monotonic() - started < 1 and sim.throttled == 1


def test_claims_skip_a_paused_connector_while_another_tenant_is_delivered(
    tenant, other_tenant, api, crm_a, crm_b, sims, run_on_commit
):
    sim_a, sim_b = sims
    sim_a.rate_limit(retry_after=30)
    post_calls(api, run_on_commit, 5, "A")
    assert sim_a.throttled == 1
    post_calls(api_client_for(other_tenant), run_on_commit, 5, "B")
    assert set(
        SyncRecord.objects.unscoped().filter(connector=crm_b).values_list("state", flat=True)
    ) == {"synced"}
    # The sweeper runs while A's rows look due: it rings for nobody paused, A's CRM hears nothing.
    SyncRecord.objects.unscoped().filter(connector=crm_a).update(next_attempt_at=timezone.now())
    assert run_on_commit(tasks.sweep)["deliver"] == 0
    assert outbox.claim(crm_a.pk, "call_log", 200) == []
    assert sim_a.throttled == 1 and len(sim_a.tasks) == 0
    # B keeps logging calls while A is paused.
    post_calls(api_client_for(other_tenant), run_on_commit, 3, "C")
    assert SyncRecord.objects.unscoped().filter(connector=crm_b, state="synced").count() == 8


def test_half_open_probe_then_close_and_everything_is_delivered_once(
    tenant, api, crm_a, sims, run_on_commit
):
    sim = sims[0]
    sim.rate_limit(retry_after=30)
    post_calls(api, run_on_commit, 250, "A")  # two batches (200 + 50)
    assert sim.throttled == 1
    # The pause ends while the CRM still refuses: exactly one probe batch, and it opens again.
    end_pause(crm_a)
    run_on_commit(tasks.sweep)
    assert sim.throttled == 2
    assert breaker_of(crm_a)["open"] and breaker_of(crm_a)["trips"] == 2
    assert parse_datetime(breaker_of(crm_a)["until"]) > timezone.now() + timedelta(seconds=27)
    # The CRM recovers; after the pause a probe of one row goes, succeeds, the breaker closes,
    # the rest go in full batches (1 + 200 + 49).
    sim.rate_limit(None)
    end_pause(crm_a)
    before = composite(sim)
    run_on_commit(tasks.sweep)
    assert breaker_of(crm_a) == {}
    assert SyncRecord.objects.unscoped().filter(connector=crm_a, state="synced").count() == 250
    assert len(sim.tasks) == 250 and composite(sim) - before == 3
    # Nothing died of the rate limit: a 429 is not the rows' fault.
    assert not SyncRecord.objects.unscoped().filter(state="dead").exists()


def test_rate_limit_never_kills_rows_however_long_it_lasts(
    tenant, api, crm_a, sims, run_on_commit, settings
):
    settings.CALLS_MAX_ATTEMPTS = 2
    sim = sims[0]
    sim.rate_limit(retry_after=5)
    post_calls(api, run_on_commit, 2, "A")
    for _ in range(4):
        end_pause(crm_a)
        run_on_commit(tasks.sweep)
    assert sim.throttled == 5
    assert set(SyncRecord.objects.unscoped().values_list("state", flat=True)) == {"failed"}
    assert SyncRecord.objects.unscoped().first().attempts == 5


def test_repeated_transient_failures_open_the_breaker_with_a_doubling_pause(
    tenant, api, crm_a, sims, run_on_commit, settings
):
    settings.DELIVERY_BREAKER_FAILURES = 3
    settings.DELIVERY_BREAKER_OPEN_SECONDS = 10
    sim = sims[0]
    sim.fail_next(status=503, times=100, path="/composite/sobjects/Task")
    post_calls(api, run_on_commit, 1, "A")
    assert breaker_of(crm_a) == {"failures": 1, "trips": 0}  # counting, not open yet
    for _ in range(2):
        SyncRecord.objects.unscoped().update(next_attempt_at=timezone.now())
        run_on_commit(tasks.sweep)
    breaker = breaker_of(crm_a)
    assert breaker["open"] and breaker["kind"] == "failures" and breaker["failures"] == 3
    assert breaker["reason"].startswith("3 failed deliveries in a row: HTTP 503")
    first = parse_datetime(breaker["until"]) - timezone.now()
    assert timedelta(seconds=8) < first <= timedelta(seconds=10)
    assert composite(sim) == 3  # one request per attempt: no inline retries
    end_pause(crm_a)
    run_on_commit(tasks.sweep)  # the probe fails: open again, twice as long
    second = parse_datetime(breaker_of(crm_a)["until"]) - timezone.now()
    assert timedelta(seconds=18) < second <= timedelta(seconds=20)
    assert breaker_of(crm_a)["trips"] == 2
    # A manual retry ends a failure pause (one probe); the CRM answers again: closed.
    sim.faults.clear()
    record = SyncRecord.objects.unscoped().get()
    response = run_on_commit(api.post, f"/api/v1/calls/{record.call_id}/retry/")
    assert response.status_code == 202
    record.refresh_from_db()
    assert record.state == "synced" and breaker_of(crm_a) == {}


def test_a_manual_retry_does_not_cut_short_a_pause_the_crm_asked_for(
    tenant, api, crm_a, sims, run_on_commit, settings
):
    settings.CALLS_MAX_ATTEMPTS = 1
    sims[0].rate_limit(retry_after=30)
    post_calls(api, run_on_commit, 1, "A")
    record = SyncRecord.objects.unscoped().get()
    SyncRecord.objects.unscoped().update(state="dead")
    sims[0].rate_limit(None)
    assert run_on_commit(api.post, f"/api/v1/calls/{record.call_id}/retry/").status_code == 202
    record.refresh_from_db()
    assert record.state == "pending" and sims[0].throttled == 1 and not sims[0].tasks
    assert breaker_of(crm_a)["open"]


def test_success_resets_the_failure_count(tenant, api, crm_a, sims, run_on_commit, settings):
    settings.DELIVERY_BREAKER_FAILURES = 2
    sims[0].fail_next(status=503, times=1, path="/composite/sobjects/Task")
    post_calls(api, run_on_commit, 1, "A")
    assert breaker_of(crm_a)["failures"] == 1
    post_calls(api, run_on_commit, 1, "B")  # delivered: the CRM answers again
    assert breaker_of(crm_a) == {}
    sims[0].fail_next(status=503, times=1, path="/composite/sobjects/Task")
    post_calls(api, run_on_commit, 1, "C")
    assert breaker_of(crm_a) == {"failures": 1, "trips": 0}  # one failure: still closed
