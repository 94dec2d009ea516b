# ruff: noqa: F811  (fixtures imported from tests/calls/conftest.py)
"""Issue 18, point 1: probes, first batches and slow CRMs never hold a realtime slot.

A connector of unknown pace (no batch measured yet), whose last batch was slow or whose breaker
is half-open is delivered by `delivery.deliver_slow` on the `slow` queue; the realtime task
hands it over before claiming anything. A failed batch is one UPDATE of its rows."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connectors import breaker
from connectors.errors import ConnectorError
from connectors.types import WriteResult
from delivery import admission, kinds, outbox
from delivery import tasks as delivery_tasks
from delivery.models import DeliveryAttempt, SyncRecord
from tests.calls.conftest import _clear_caches, fake_connector, fake_crm  # noqa: F401

KIND = "lane_test"


class Crm:
    """The test kind's CRM: records each batch's size; `faults` raised or applied in order."""

    def __init__(self):
        self.batch_sizes, self.faults = [], []

    @property
    def requests(self) -> int:
        return len(self.batch_sizes)

    def send(self, connector, records):
        self.batch_sizes.append(len(records))
        if self.faults:
            fault = self.faults.pop(0)
            if isinstance(fault, Exception):
                raise fault
            return fault(records)
        return [WriteResult(key=r.key, crm_id=f"00T{r.pk}") for r in records]


@pytest.fixture
def crm(monkeypatch):
    made = Crm()
    monkeypatch.setitem(kinds._KINDS, KIND, kinds.Kind(KIND, "Lane test", made.send, "Task"))
    return made


@pytest.fixture
def due(fake_connector, crm):
    """Seven due rows of the fake connector (batch size 3)."""
    now = timezone.now()
    SyncRecord.objects.bulk_create(
        SyncRecord(
            tenant_id=fake_connector.tenant_id,
            connector=fake_connector,
            kind=KIND,
            key=f"k{j}",
            payload={},
            next_attempt_at=now,
        )
        for j in range(7)
    )
    return fake_connector


@pytest.fixture
def rung(monkeypatch):
    """Deliver messages recorded per lane, never run (as if they wait in their queue)."""
    sent = {"realtime": [], "slow": []}
    for lane, task in (("realtime", delivery_tasks.deliver), ("slow", delivery_tasks.deliver_slow)):
        monkeypatch.setattr(task, "delay", lambda *args, lane=lane: sent[lane].append(args))
    return sent


def quick(account):
    admission.record_pace(account, 0.1, timezone.now())


def test_a_first_batch_of_unknown_pace_never_takes_a_realtime_slot(due, crm, rung):
    assert admission.slow_lane(due, timezone.now())  # never measured
    assert delivery_tasks.deliver.run(due.pk, KIND) == 0  # handed over before any claim
    assert crm.requests == 0 and rung == {"realtime": [], "slow": [(due.pk, KIND)]}
    assert not SyncRecord.objects.unscoped().filter(state="running").exists()
    assert delivery_tasks.deliver_slow.run(due.pk, KIND) == 3  # the first batch, on the slow lane
    due.refresh_from_db()
    assert not admission.slow_lane(due, timezone.now())  # it was quick: back to realtime
    assert rung["realtime"] == [(due.pk, KIND)]
    assert delivery_tasks.deliver_slow.run(due.pk, KIND) == 0  # the slow lane hands it back


def test_a_slow_batch_sends_the_connector_to_the_slow_lane(due, crm, rung, settings):
    quick(due)
    settings.DELIVERY_SLOW_BATCH_SECONDS = 0.05

    def slow_answer(records):  # the CRM writes, slowly
        time.sleep(0.1)
        return [WriteResult(key=r.key, crm_id=f"00T{r.pk}") for r in records]

    crm.faults = [slow_answer]
    assert delivery_tasks.deliver.run(due.pk, KIND) == 3  # one batch, then it stops
    assert crm.batch_sizes == [3]
    assert rung == {"realtime": [], "slow": [(due.pk, KIND)]}
    due.refresh_from_db()
    assert admission.slow_lane(due, timezone.now())


def test_the_sweeper_rings_a_half_open_probe_on_the_slow_lane_and_it_claims_one_row(due, crm, rung):
    quick(due)
    breaker.record_failure(due, ConnectorError("HTTP 429", status=429, retry_after=5))
    SyncRecord.objects.unscoped().update(next_attempt_at=timezone.now())
    assert outbox.ring_due() == 0  # paused: left alone
    due.set_state_key(
        "breaker",
        {**due.state["breaker"], "until": (timezone.now() - timedelta(seconds=1)).isoformat()},
    )
    assert outbox.ring_due() == 1
    assert rung == {"realtime": [], "slow": [(due.pk, KIND)]}
    assert admission.batch_limit(due, timezone.now()) == 1
    delivery_tasks.deliver_slow.run(due.pk, KIND)
    assert crm.batch_sizes == [1]  # the probe: one row; it closed the breaker
    due.refresh_from_db()
    assert breaker.slots(due) == 2 and not admission.slow_lane(due, timezone.now())
    assert rung["realtime"] == [(due.pk, KIND)]  # the rest go on the realtime lane


def test_a_failed_batch_is_one_update(due, crm, settings):
    settings.CALLS_MAX_ATTEMPTS = 2
    quick(due)
    SyncRecord.objects.unscoped().filter(key="k0").update(attempts=1)  # its last try: dies
    crm.faults = [ConnectorError("HTTP 503 from crm", status=503)]
    with CaptureQueriesContext(connection) as queries:
        assert outbox.deliver_batch(due, KIND) == 3
    table = SyncRecord._meta.db_table
    updates = [q["sql"] for q in queries if q["sql"].startswith(f'UPDATE "{table}"')]
    assert len(updates) == 2  # the claim and the failure, whatever the batch size
    rows = {r.key: r for r in SyncRecord.objects.unscoped().filter(key__in=["k0", "k1", "k2"])}
    assert rows["k0"].state == "dead" and rows["k0"].next_attempt_at is None
    assert {rows[k].state for k in ("k1", "k2")} == {"failed"}
    assert all(
        rows[k].next_attempt_at > timezone.now() - timedelta(seconds=1) for k in ("k1", "k2")
    )
    assert all(r.lease is None and "503" in r.last_error for r in rows.values())
    outcomes = dict(DeliveryAttempt.objects.unscoped().values_list("record__key", "outcome"))
    assert outcomes == {"k0": "dead", "k1": "failed", "k2": "failed"}


def test_a_failed_batch_leaves_rows_taken_over_meanwhile_alone(due, crm):
    quick(due)
    records = outbox.claim(due.pk, KIND, 3)
    SyncRecord.objects.unscoped().filter(pk=records[0].pk).update(lease=SyncRecord.new_lease())
    outbox.fail_many(records, ConnectorError("HTTP 503 from crm", status=503))
    taken = SyncRecord.objects.unscoped().get(pk=records[0].pk)
    assert taken.state == "running" and taken.last_error == ""
    outcomes = dict(DeliveryAttempt.objects.unscoped().values_list("record_id", "outcome"))
    assert outcomes == {
        records[0].pk: "discarded",
        records[1].pk: "failed",
        records[2].pk: "failed",
    }
