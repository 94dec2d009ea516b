# ruff: noqa: F811  (fixtures imported from tests/calls/conftest.py)
"""Issue 18: many slow CRMs at once never fill every worker slot. A connector whose batch took
longer than DELIVERY_SLOW_BATCH_SECONDS is marked slow; slow connectors together hold at most
DELIVERY_MAX_SLOW_IN_FLIGHT batches, while any other connector is claimed as before."""

from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.models import ConnectorAccount, ConnectorStatus
from connectors.types import WriteResult
from delivery import admission, outbox
from delivery.models import SyncRecord
from simulators.salesforce import SalesforceSimulator
from tenants.models import Tenant
from tests.calls.conftest import _clear_caches, call_events, fake_crm, run_on_commit  # noqa: F401
from tests.conftest import api_client_for
from tests.factories import authorized_salesforce, make_connector


@pytest.fixture
def connectors(db, fake_crm):
    """Four connectors of four tenants, each with 10 due rows."""
    made = []
    now = timezone.now()
    for i in range(4):
        tenant = Tenant.objects.create(slug=f"slow-{i}", name=f"Slow {i}")
        account = make_connector(
            tenant, kind="fake", settings={}, credentials={}, status=ConnectorStatus.AUTHORIZED
        )
        SyncRecord.objects.bulk_create(
            SyncRecord(
                tenant=tenant,
                connector=account,
                kind="call_log",
                key=f"k{i}-{j}",
                payload={},
                next_attempt_at=now,
            )  # fmt: skip
            for j in range(10)
        )
        made.append(account)
    return made


def mark_slow(account, seconds=10.0):
    admission.record_pace(account, seconds, timezone.now())
    account.refresh_from_db()


def test_slow_connectors_share_at_most_their_slots(connectors, settings):
    settings.DELIVERY_MAX_SLOW_IN_FLIGHT = 2
    settings.DELIVERY_SLOW_BATCH_SECONDS = 3.0
    a, b, c, quick = connectors
    for account in (a, b, c):
        mark_slow(account)
    first = outbox.claim(a.pk, "call_log", 5)
    assert len(first) == 5
    assert len(outbox.claim(b.pk, "call_log", 5)) == 5
    assert outbox.claim(c.pk, "call_log", 5) == []  # the slow share is full
    assert len(outbox.claim(quick.pk, "call_log", 5)) == 5  # the others are not held up
    outbox.succeed_many([(r, WriteResult(key=r.key, crm_id=f"00T{r.pk}")) for r in first], a)
    assert len(outbox.claim(c.pk, "call_log", 5)) == 5  # a slow slot came free


def test_the_share_counts_live_leases_only(connectors, settings):
    settings.DELIVERY_MAX_SLOW_IN_FLIGHT = 1
    a, b, *_ = connectors
    mark_slow(a), mark_slow(b)
    taken = outbox.claim(a.pk, "call_log", 5)
    assert outbox.claim(b.pk, "call_log", 5) == []
    SyncRecord.objects.unscoped().filter(lease=taken[0].lease).update(  # its worker died
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert len(outbox.claim(b.pk, "call_log", 5)) == 5


def test_no_cap_when_the_share_is_zero(connectors, settings):
    settings.DELIVERY_MAX_SLOW_IN_FLIGHT = 0
    for account in connectors:
        mark_slow(account)
    assert all(len(outbox.claim(a.pk, "call_log", 5)) == 5 for a in connectors)


def test_a_quick_batch_clears_the_mark_and_the_mark_expires(connectors, settings):
    settings.DELIVERY_SLOW_BATCH_SECONDS = 3.0
    account = connectors[0]
    mark_slow(account)
    assert admission.is_slow(account, timezone.now())
    assert not admission.is_slow(account, timezone.now() + timedelta(minutes=5))
    admission.record_pace(account, 0.2, timezone.now())
    account.refresh_from_db()
    assert account.state["pace"] == {"seconds": 0.2}  # known and quick: the realtime lane
    assert not admission.is_slow(account, timezone.now())
    assert not admission.slow_lane(account, timezone.now())


def test_a_slow_crm_over_http_is_marked_slow_then_unmarked(tenant, run_on_commit, settings):
    settings.DELIVERY_SLOW_BATCH_SECONDS = 1.0
    sim = SalesforceSimulator(contacts=0).start()
    try:
        account = authorized_salesforce(tenant, sim)
        sim.latency = 0.6  # every CRM request takes 0.6 s (a batch: 2 or more)
        api = api_client_for(tenant)
        events = call_events("SLOW1", caller="+420601000001")
        assert run_on_commit(api.post, "/api/v1/call-events/", events, format="json").status_code
        row = SyncRecord.objects.unscoped().get(connector=account)
        assert row.state == "synced"
        stored = ConnectorAccount.objects.unscoped().get(pk=account.pk)
        assert admission.is_slow(stored, timezone.now())
        assert stored.state["pace"]["seconds"] >= 1.0
        sim.latency = 0.0
        more = call_events("QUICK1", caller="+420601000002", start="2026-11-20T11:00:00+01:00")
        run_on_commit(api.post, "/api/v1/call-events/", more, format="json")
        stored.refresh_from_db()
        assert not admission.is_slow(stored, timezone.now())
    finally:
        sim.stop()
