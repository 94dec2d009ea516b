"""Per-tenant retention: rows older than the tenant's periods are deleted in primary-key
batches, each batch in its own short transaction (no long lock, no table-wide DELETE; the
workers and the API keep running between batches).

What each period covers (RetentionSettings):
  call_events_days  CallEvent rows already folded, by received_at
  calls_days        Call rows (their activities, outbox rows and delivery attempts go with
                    them), by started_at (updated_at when it never started); calls with a CRM
                    write still open (pending, running, failed) wait until it ends.
                    Interactions (email / chat / SMS) too, the same way: by started_at, their
                    outbox rows and attempts with them, an open write waits
  audit_days        ConnectorAuditEntry rows, by created_at
  jobs_days         finished Job rows, by finished_at (created_at when it has none)
"""

import logging
import time
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from calls.models import Call, CallEvent, Interaction
from connectors.models import ConnectorAuditEntry
from delivery.models import OPEN_STATES, SyncRecord
from jobs.models import Job, JobStatus
from operations.models import RetentionSettings

log = logging.getLogger(__name__)

BATCH = 2000
BUDGET_SECONDS = 300.0  # one run's wall-clock budget; the next hourly run continues


def _calls(tenant_id, cutoff):
    open_write = SyncRecord.objects.unscoped().filter(call=OuterRef("pk"), state__in=OPEN_STATES)
    old = Q(started_at__lt=cutoff) | Q(started_at__isnull=True, updated_at__lt=cutoff)
    return Call.objects.for_tenant(tenant_id).filter(old).exclude(Exists(open_write))


def _interactions(tenant_id, cutoff):
    open_write = SyncRecord.objects.unscoped().filter(
        interaction=OuterRef("pk"), state__in=OPEN_STATES
    )
    rows = Interaction.objects.for_tenant(tenant_id).filter(started_at__lt=cutoff)
    return rows.exclude(Exists(open_write))


def _events(tenant_id, cutoff):
    return CallEvent.objects.for_tenant(tenant_id).filter(received_at__lt=cutoff, folded=True)


def _audit(tenant_id, cutoff):
    return ConnectorAuditEntry.objects.for_tenant(tenant_id).filter(created_at__lt=cutoff)


def _jobs(tenant_id, cutoff):
    done = Job.objects.for_tenant(tenant_id).filter(
        status__in=(JobStatus.SUCCEEDED, JobStatus.FAILED)
    )
    return done.filter(
        Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)
    )


# (result key, settings field, rows older than a cutoff)
PERIODS = [
    ("call_events", "call_events_days", _events),
    ("calls", "calls_days", _calls),
    ("interactions", "calls_days", _interactions),
    ("audit", "audit_days", _audit),
    ("jobs", "jobs_days", _jobs),
]


def purge_rows(queryset, tenant_id, deadline: float, batch: int | None = None) -> tuple[int, bool]:
    """Delete the queryset's rows batch by batch (ids first, then DELETE ... WHERE id IN).
    Returns (rows deleted, finished). Counts the queryset's own model only (cascades aside)."""
    model, batch = queryset.model, batch or BATCH
    deleted = 0
    while True:
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted, True
        with transaction.atomic():
            rows = model.objects.for_tenant(tenant_id).filter(pk__in=ids)
            _total, per_model = rows.delete()
        deleted += per_model.get(model._meta.label, 0)
        if time.monotonic() > deadline:
            return deleted, False


def purge_tenant(config: RetentionSettings, now=None, deadline: float | None = None) -> dict:
    now = now or timezone.now()
    deadline = deadline if deadline is not None else time.monotonic() + BUDGET_SECONDS
    result = {}
    finished = True
    for key, field, rows_older in PERIODS:
        days = getattr(config, field)
        if not days:
            continue
        queryset = rows_older(config.tenant_id, now - timedelta(days=days))
        result[key], done = purge_rows(queryset, config.tenant_id, deadline)
        finished &= done
        if not done:
            break
    result["finished"] = finished
    RetentionSettings.objects.for_tenant(config.tenant_id).filter(pk=config.pk).update(
        last_run_at=now, last_result=result
    )
    return result


def purge_all(now=None) -> dict:
    """Every tenant that set a period (the beat job); stops at the run's budget."""
    deadline = time.monotonic() + BUDGET_SECONDS
    totals: dict[str, int] = {}
    configs = RetentionSettings.objects.unscoped().filter(
        Q(call_events_days__isnull=False)
        | Q(calls_days__isnull=False)
        | Q(audit_days__isnull=False)
        | Q(jobs_days__isnull=False)
    )
    for config in configs.order_by(
        F("last_run_at").asc(nulls_first=True), "pk"
    ):  # the longest waiting first
        result = purge_tenant(config, now=now, deadline=deadline)
        for key, value in result.items():
            if key != "finished":
                totals[key] = totals.get(key, 0) + value
        if time.monotonic() > deadline:
            break
    if any(totals.values()):
        log.info("retention purge", extra={"deleted": totals})
    return totals
