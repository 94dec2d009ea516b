# ruff: noqa: F811  (fixtures imported from tests/calls/conftest.py)
"""Issue 11, point 4: the per-connector cap, deduplicated doorbells, the two Celery queues, and
what the tenant sees (connector page, API) while a connector is paused."""

import re
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from automations import tasks as automation_tasks  # noqa: F401  (registers its tasks)
from calls import tasks
from calls.ingest import store_events
from calls.models import Call, CallEvent
from calls.validation import validate_events
from connectors import breaker
from connectors.errors import ConnectorError
from connectors.types import WriteResult
from contacts import tasks as contact_tasks  # noqa: F401
from delivery import outbox
from delivery import tasks as delivery_tasks
from delivery.models import SyncRecord
from portal.celery import app
from simulators.salesforce import SalesforceSimulator
from tests.calls.conftest import (  # noqa: F401
    _clear_caches,
    call_events,
    fake_connector,
    fake_crm,
    run_on_commit,
)
from tests.factories import authorized_salesforce, make_connector

URL = "/api/v1/call-events/"
RATE_LIMITED = ConnectorError("HTTP 429 from crm", status=429, retry_after=600)


def queue_calls(api, run_on_commit, n, prefix="Q"):  # noqa: F811
    events = []
    for i in range(n):
        events += call_events(f"{prefix}{i}", caller=f"+42060{ord(prefix[0]):03d}{i:04d}")
    assert run_on_commit(api.post, URL, events, format="json").status_code == 202


@pytest.fixture
def lost_doorbells(monkeypatch):
    """Deliver messages (either lane) are recorded, never run (as if they wait in the queue)."""
    sent = []
    monkeypatch.setattr(delivery_tasks.deliver, "delay", lambda *args: sent.append(args))
    monkeypatch.setattr(delivery_tasks.deliver_slow, "delay", lambda *args: sent.append(args))
    return sent


def test_cap_on_batches_in_flight_per_connector(
    api, fake_connector, run_on_commit, lost_doorbells, settings
):
    settings.DELIVERY_MAX_IN_FLIGHT_PER_CONNECTOR = 2
    queue_calls(api, run_on_commit, 9)
    first = outbox.claim(fake_connector.pk, "call_log", 3)
    second = outbox.claim(fake_connector.pk, "call_log", 3)
    assert len(first) == len(second) == 3
    assert outbox.claim(fake_connector.pk, "call_log", 3) == []  # two batches in flight: full
    outbox.succeed_many([(r, _ok(r)) for r in first], fake_connector)
    assert len(outbox.claim(fake_connector.pk, "call_log", 3)) == 3  # a slot came free
    # A worker that died stops counting when its lease expires.
    SyncRecord.objects.unscoped().filter(lease=second[0].lease).update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert len(outbox.claim(fake_connector.pk, "call_log", 3)) == 3


def test_half_open_allows_one_probe_batch_only(api, fake_connector, run_on_commit, lost_doorbells):
    queue_calls(api, run_on_commit, 9)
    breaker.record_failure(fake_connector, RATE_LIMITED)
    assert outbox.claim(fake_connector.pk, "call_log", 3) == []  # paused
    fake_connector.set_state_key(
        "breaker", {**fake_connector.state["breaker"], "until": timezone.now().isoformat()}
    )
    SyncRecord.objects.unscoped().update(next_attempt_at=timezone.now())
    assert len(outbox.claim(fake_connector.pk, "call_log", 3)) == 3  # the probe
    assert outbox.claim(fake_connector.pk, "call_log", 3) == []  # nothing more until it answers


def _ok(record):

    return WriteResult(key=record.key, crm_id=f"00T{record.pk}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_slow_crm_never_holds_more_than_the_cap_of_worker_slots(tenant, settings):
    """Six deliver tasks for one slow CRM start one after another: two send, four step aside
    at once (they would otherwise each hold a worker slot for the whole request)."""
    settings.DELIVERY_MAX_IN_FLIGHT_PER_CONNECTOR = 2
    sim = SalesforceSimulator(contacts=0).start()
    try:
        account = authorized_salesforce(tenant, sim)
        sim.rate_limit(retry_after=1)  # queue 1,000 rows without delivering them

        events = [
            call_events(f"S{i}", caller=f"+42060{i:07d}")[-1] | {"event_id": f"s-{i}"}
            for i in range(1000)
        ]
        store_events(tenant, validate_events(events))
        assert SyncRecord.objects.unscoped().filter(connector=account).count() == 1000
        sim.rate_limit(None)
        account.set_state_key("breaker", None)
        SyncRecord.objects.unscoped().update(next_attempt_at=timezone.now())
        sim.latency, sim.max_in_flight = 1.0, 0
        durations = {}

        def run(i):
            started = time.monotonic()
            try:
                delivery_tasks.deliver(account.pk, "call_log")
            finally:
                durations[i] = time.monotonic() - started
                connection.close()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
            time.sleep(0.15)  # each finds the previous ones in flight
        for t in threads:
            t.join(timeout=60)
        assert sim.max_in_flight == 2
        assert all(d < 0.5 for d in sorted(durations.values())[:4])  # capped: back at once
        assert (
            SyncRecord.objects.unscoped().filter(connector=account, state="synced").count() == 1000
        )
    finally:
        sim.stop()


def test_sweeper_doorbells_are_deduplicated(api, fake_connector, run_on_commit, lost_doorbells):
    queue_calls(api, run_on_commit, 2)  # new rows always ring: one message
    assert len(lost_doorbells) == 1
    SyncRecord.objects.unscoped().update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert run_on_commit(tasks.sweep)["deliver"] == 1
    for _ in range(3):  # the message still waits in the queue: the sweeper adds nothing
        assert run_on_commit(tasks.sweep)["deliver"] == 0
    assert len(lost_doorbells) == 2
    # A worker takes the message: the slow lane's (the connector's pace is not known yet).
    assert delivery_tasks.deliver.run(fake_connector.pk, "call_log") == 0  # hands it over
    delivery_tasks.deliver_slow.run(fake_connector.pk, "call_log")  # quick: back to realtime
    assert set(SyncRecord.objects.unscoped().values_list("state", flat=True)) == {"synced"}
    assert delivery_tasks.deliver.run(fake_connector.pk, "call_log") == 0  # nothing left
    SyncRecord.objects.unscoped().update(state="pending", next_attempt_at=timezone.now())
    assert run_on_commit(tasks.sweep)["deliver"] == 1  # taken: the next one rings again


def test_a_lost_sweeper_doorbell_rings_again_after_its_ttl(
    api, fake_connector, run_on_commit, lost_doorbells, settings
):
    settings.DELIVERY_DOORBELL_TTL_SECONDS = 1
    queue_calls(api, run_on_commit, 1)
    SyncRecord.objects.unscoped().update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert run_on_commit(tasks.sweep)["deliver"] == 1
    assert run_on_commit(tasks.sweep)["deliver"] == 0
    time.sleep(1.1)
    assert run_on_commit(tasks.sweep)["deliver"] == 1


def test_sweeper_fold_doorbells_are_deduplicated_and_stale_ones_cost_nothing(
    api, tenant, fake_connector, monkeypatch
):

    sent = []
    monkeypatch.setattr(tasks.fold_calls, "delay", lambda *a, **kw: sent.append((a, kw)))
    api.post(URL, call_events("F1") + call_events("F2"), format="json")  # fold message "lost"
    CallEvent.objects.unscoped().update(received_at=timezone.now() - timedelta(seconds=10))
    assert tasks.sweep()["fold"] == 2
    for _ in range(3):  # the sweeper's fold message waits in the queue: nothing more is sent
        assert tasks.sweep()["fold"] == 0
    assert len(sent) == 1 and sent[0][1] == {"swept": True}
    args = sent[0][0]
    assert tasks.fold_calls.run(*args, swept=True) == 2  # a worker takes it: both decided
    assert (
        Call.objects.unscoped().filter(call_id__in=["F1", "F2"], decided_at__isnull=False).count()
        == 2
    )
    # A stale copy (the ingest's own message got there first) finds nothing left to fold.
    assert tasks.fold_calls.run(*args, swept=True) == 0
    assert tasks.sweep()["fold"] == 0 and len(sent) == 1


def test_live_call_events_are_skipped_while_the_crm_is_paused(api, fake_connector, run_on_commit):
    breaker.record_failure(fake_connector, RATE_LIMITED)
    run_on_commit(api.post, URL, call_events("E1")[:1], format="json")
    assert fake_connector.connector.crm.events == []
    fake_connector.set_state_key("breaker", None)
    run_on_commit(api.post, URL, call_events("E2")[:1], format="json")
    assert [e["call_id"] for e in fake_connector.connector.crm.events] == ["E2"]


REALTIME = [
    "calls.fold_calls",
    "calls.deliver",
    "calls.send_call_event",
    "automations.tasks.process_callback_requests",
]
BULK = [
    "contacts.run_contact_sync",
    "contacts.run_contact_push",
    "calls.sweep",
    "automations.sweep_callbacks",
    "contacts.schedule_contact_syncs",
    "some.future_task_nobody_routed",
]


SLOW = ["delivery.deliver_slow"]


@pytest.mark.parametrize("name", REALTIME + BULK + SLOW)
def test_tasks_are_routed_to_the_realtime_the_bulk_or_the_slow_queue(name):
    assert name in app.tasks or name.startswith("some.")
    queue = app.amqp.router.route({}, name)["queue"].name
    assert queue == ("realtime" if name in REALTIME else "slow" if name in SLOW else "bulk")
    assert set(app.amqp.queues) == {"realtime", "bulk", "slow"}  # a worker without -Q: all


@pytest.mark.skipif(
    not app.conf.broker_url.startswith("redis"), reason="needs CELERY_BROKER_URL=redis://..."
)
def test_messages_land_in_their_queue_on_the_real_broker():
    app.conf.task_always_eager = False
    try:
        with app.connection_for_write() as conn:
            channel = conn.default_channel
            for queue in ("realtime", "bulk", "slow"):
                channel.queue_declare(queue=queue, durable=True, auto_declare=True)
                channel.queue_purge(queue)
            delivery_tasks.deliver.delay(0, "call_log")
            delivery_tasks.deliver_slow.delay(0, "call_log")
            tasks.sweep.delay()
            tasks.sweep.delay()
            counts = {
                q: channel.queue_declare(queue=q, passive=True).message_count
                for q in ("realtime", "bulk", "slow")
            }
            for queue in ("realtime", "bulk", "slow"):
                channel.queue_purge(queue)
    finally:
        app.conf.task_always_eager = True
    assert counts == {"realtime": 1, "bulk": 2, "slow": 1}


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_connector_page_and_the_api_say_the_connector_is_paused(tenant, member_client, api):
    account = make_connector(tenant, "salesforce", "Sales org")
    other = make_connector(tenant, "salesforce", "Support org")
    until = breaker.record_failure(account, RATE_LIMITED)
    local = until.astimezone(ZoneInfo("Europe/Prague")).strftime("%H:%M %Z")  # the zone named
    expected = f"Paused until {local}: the CRM is rate-limiting (HTTP 429)"
    assert expected in _text(member_client.get(f"/integrations/{account.pk}/configure/"))
    assert expected in _text(member_client.get("/integrations/"))
    assert "Paused until" not in _text(member_client.get(f"/integrations/{other.pk}/configure/"))
    body = api.get(f"/api/v1/connectors/{account.pk}/").json()
    assert body["delivery_pause"]["state"] == "paused"
    assert body["delivery_pause"]["reason"] == "the CRM is rate-limiting (HTTP 429)"
    paused_until = datetime.fromisoformat(body["delivery_pause"]["paused_until"])
    assert abs(paused_until - until) < timedelta(seconds=1)
    assert api.get(f"/api/v1/connectors/{other.pk}/").json()["delivery_pause"] is None
    # After its time the page says it is resuming; after a success it says nothing.
    account.set_state_key(
        "breaker", {**account.state["breaker"], "until": timezone.now().isoformat()}
    )
    assert "Resuming:" in _text(member_client.get(f"/integrations/{account.pk}/configure/"))
    assert api.get(f"/api/v1/connectors/{account.pk}/").json()["delivery_pause"]["state"] == (
        "probing"
    )
    breaker.record_success(account)
    assert "Paused until" not in _text(member_client.get(f"/integrations/{account.pk}/configure/"))
