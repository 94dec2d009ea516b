"""Retention: exactly the rows older than the tenant's periods go, in short batches."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.models import Call, CallEvent, Interaction
from connectors.models import ConnectorAuditEntry
from delivery.models import DeliveryAttempt, SyncRecord, SyncState
from jobs.models import Job, JobStatus
from operations import retention
from operations.models import RetentionSettings
from tests.factories import make_connector

DAY = timedelta(days=1)


def interaction(tenant, iid, started_at):
    return Interaction(
        tenant=tenant,
        interaction_id=iid,
        channel="sms",
        direction="in",
        address="+420773794804",
        address_key="+420773794804",
        started_at=started_at,
        received_at=started_at,
        decided_at=started_at,
        content_hash="h",
    )


def fill(tenant, now, n_events, n_calls, n_audit, n_jobs, n_interactions=0):
    """Half of each kind just older than its period, half just younger (bulk_create)."""
    old, young = now - 30 * DAY - timedelta(seconds=1), now - 30 * DAY + timedelta(minutes=1)
    CallEvent.objects.bulk_create(
        (
            CallEvent(
                tenant=tenant,
                event_id=f"e{i}",
                call_id=f"c{i}",
                type="ended",
                occurred_at=old,
                received_at=old if i % 2 else young,
                folded=True,
            )
            for i in range(n_events)
        ),
        batch_size=5000,
    )
    Call.objects.bulk_create(
        (
            Call(tenant=tenant, call_id=f"c{i}", started_at=old if i % 2 else young, ended=True)
            for i in range(n_calls)
        ),
        batch_size=5000,
    )
    Interaction.objects.bulk_create(
        (interaction(tenant, f"i{i}", old if i % 2 else young) for i in range(n_interactions)),
        batch_size=5000,
    )
    ConnectorAuditEntry.objects.bulk_create(
        (
            ConnectorAuditEntry(
                tenant=tenant,
                connector_name="x",
                actor="a",
                action="updated",
                created_at=old if i % 2 else young,
            )
            for i in range(n_audit)
        ),
        batch_size=5000,
    )
    Job.objects.bulk_create(
        (
            Job(
                tenant=tenant,
                kind="contact_sync",
                status=JobStatus.SUCCEEDED,
                finished_at=old if i % 2 else young,
            )
            for i in range(n_jobs)
        ),
        batch_size=5000,
    )


def periods(tenant, days=30):
    return RetentionSettings.objects.create(
        tenant=tenant, call_events_days=days, calls_days=days, audit_days=days, jobs_days=days
    )


@pytest.mark.postgres
@pytest.mark.slow
def test_purges_exactly_what_is_older_100k_rows_in_one_run(tenant, other_tenant):
    now = timezone.now()
    fill(tenant, now, n_events=50_000, n_calls=20_000, n_audit=10_000, n_jobs=10_000)
    Interaction.objects.bulk_create(
        (interaction(tenant, f"i{i}", now - (31 if i % 2 else 29) * DAY) for i in range(10_000)),
        batch_size=5000,
    )
    fill(other_tenant, now, n_events=2_000, n_calls=500, n_audit=500, n_jobs=500)  # keeps all
    Interaction.objects.bulk_create(
        (interaction(other_tenant, f"o{i}", now - 90 * DAY) for i in range(500)), batch_size=5000
    )
    crm = make_connector(tenant, name="crm")
    # An old call whose CRM write is still pending waits; an old synced one goes with its rows.
    waiting = Call.objects.create(tenant=tenant, call_id="waiting", started_at=now - 90 * DAY)
    SyncRecord.objects.create(tenant=tenant, connector=crm, key="w", call=waiting)
    done = Call.objects.create(tenant=tenant, call_id="done", started_at=now - 90 * DAY)
    synced = SyncRecord.objects.create(
        tenant=tenant, connector=crm, key="d", call=done, state=SyncState.SYNCED
    )
    DeliveryAttempt.objects.create(
        tenant=tenant, record=synced, number=1, started_at=now, finished_at=now, outcome="synced"
    )
    # Interactions likewise: an open write waits, a delivered one goes with its outbox row.
    ix_waiting = Interaction.objects.create(**vars_of(interaction(tenant, "ix-w", now - 90 * DAY)))
    SyncRecord.objects.create(
        tenant=tenant, connector=crm, kind="interaction_log", key="ixw", interaction=ix_waiting
    )
    ix_done = Interaction.objects.create(**vars_of(interaction(tenant, "ix-d", now - 90 * DAY)))
    ix_synced = SyncRecord.objects.create(
        tenant=tenant,
        connector=crm,
        kind="interaction_log",
        key="ixd",
        interaction=ix_done,
        state=SyncState.SYNCED,
    )
    DeliveryAttempt.objects.create(
        tenant=tenant, record=ix_synced, number=1, started_at=now, finished_at=now, outcome="synced"
    )
    config = periods(tenant)
    audit_before = ConnectorAuditEntry.objects.for_tenant(tenant).count()  # + make_connector's

    with CaptureQueriesContext(connection) as queries:
        totals = retention.purge_all(now=now)

    assert totals == {
        "call_events": 25_000,
        "calls": 10_001,
        "interactions": 5_001,
        "audit": 5_000,
        "jobs": 5_000,
    }
    assert CallEvent.objects.for_tenant(tenant).count() == 25_000
    assert not CallEvent.objects.for_tenant(tenant).filter(received_at__lt=now - 30 * DAY).exists()
    assert Call.objects.for_tenant(tenant).count() == 10_001  # the young ones and "waiting"
    assert Call.objects.for_tenant(tenant).filter(call_id="waiting").exists()
    assert not SyncRecord.objects.for_tenant(tenant).filter(key__in=["d", "ixd"]).exists()
    assert Interaction.objects.for_tenant(tenant).count() == 5_001  # the young ones, "ix-w"
    assert Interaction.objects.for_tenant(tenant).filter(interaction_id="ix-w").exists()
    old_ix = Interaction.objects.for_tenant(tenant).filter(started_at__lt=now - 30 * DAY)
    assert list(old_ix.values_list("interaction_id", flat=True)) == ["ix-w"]
    assert Interaction.objects.for_tenant(other_tenant).count() == 500
    assert not DeliveryAttempt.objects.for_tenant(tenant).exists()
    assert ConnectorAuditEntry.objects.for_tenant(tenant).count() == audit_before - 5_000
    assert Job.objects.for_tenant(tenant).count() == 5_000
    assert CallEvent.objects.for_tenant(other_tenant).count() == 2_000  # no periods: kept
    assert Call.objects.for_tenant(other_tenant).count() == 500
    # Short transactions: one DELETE per batch of at most BATCH ids, never one big one.
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert len([d for d in deletes if "calls_callevent" in d.split("WHERE")[0]]) == 13
    # Interactions have outbox rows (a cascade): Django deletes them in chunks of ids, each
    # well under a batch.
    ix_deletes = [d for d in deletes if "calls_interaction" in d.split("WHERE")[0]]
    assert len(ix_deletes) >= 3 and all(d.count(",") < retention.BATCH for d in ix_deletes)
    config.refresh_from_db()
    assert config.last_run_at == now and config.last_result["finished"] is True


def test_a_run_stops_at_its_budget_and_the_next_continues(tenant, monkeypatch):
    now = timezone.now()
    fill(tenant, now, n_events=50, n_calls=0, n_audit=0, n_jobs=0)
    periods(tenant)
    monkeypatch.setattr(retention, "BATCH", 10)
    monkeypatch.setattr(retention, "BUDGET_SECONDS", -1)  # out of time after the first batch
    assert retention.purge_all(now=now) == {"call_events": 10}
    assert retention.purge_all(now=now) == {"call_events": 10}
    monkeypatch.setattr(retention, "BUDGET_SECONDS", 60)
    assert retention.purge_all(now=now) == {
        "call_events": 5,
        "calls": 0,
        "interactions": 0,
        "audit": 0,
        "jobs": 0,
    }
    assert CallEvent.objects.for_tenant(tenant).count() == 25  # the young half


def test_unfolded_events_and_unfinished_jobs_are_kept(tenant):
    now = timezone.now()
    old = now - 40 * DAY
    CallEvent.objects.create(
        tenant=tenant, event_id="u", call_id="u", type="ended", occurred_at=old, received_at=old
    )
    Job.objects.create(tenant=tenant, kind="contact_sync", status=JobStatus.RUNNING)
    Job.objects.unscoped().update(created_at=old)
    periods(tenant)
    assert retention.purge_all(now=now) == {
        "call_events": 0,
        "calls": 0,
        "interactions": 0,
        "audit": 0,
        "jobs": 0,
    }


def vars_of(row: Interaction) -> dict:
    return {
        f.name: getattr(row, f.name) for f in Interaction._meta.concrete_fields if f.name != "id"
    }


def test_old_interactions_go_with_their_outbox_rows_open_writes_wait(tenant):
    now = timezone.now()
    crm = make_connector(tenant, name="crm")
    Interaction.objects.bulk_create(
        [
            interaction(tenant, "old", now - 31 * DAY),
            interaction(tenant, "young", now - 29 * DAY),
            interaction(tenant, "failing", now - 31 * DAY),
        ]
    )
    rows = {ix.interaction_id: ix for ix in Interaction.objects.for_tenant(tenant)}
    for iid, state in (("old", SyncState.DEAD), ("failing", SyncState.FAILED)):
        SyncRecord.objects.create(
            tenant=tenant,
            connector=crm,
            kind="interaction_log",
            key=iid,
            interaction=rows[iid],
            state=state,
        )
    RetentionSettings.objects.create(tenant=tenant, calls_days=30)
    assert retention.purge_all(now=now) == {"calls": 0, "interactions": 1}
    left = Interaction.objects.for_tenant(tenant).values_list("interaction_id", flat=True)
    assert set(left) == {"young", "failing"}
    assert list(SyncRecord.objects.for_tenant(tenant).values_list("key", flat=True)) == ["failing"]
