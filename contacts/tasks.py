"""Celery tasks of the contacts app. Each takes an id; the Job row holds the truth.

`contacts.schedule_contact_syncs` runs every minute (CELERY_BEAT_SCHEDULE): it starts the
syncs that are due (per-connector interval, ContactSyncSettings) and sweeps jobs whose worker
died (no heartbeat for STALE_AFTER): they are re-queued, and failed after MAX_ATTEMPTS.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from connectors.models import ConnectorAccount, ConnectorStatus
from contacts.models import ContactSyncSettings
from jobs.models import Job, JobStatus
from portal.celery import ring

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=5)
LOST_DOORBELL_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 3


@shared_task(name="contacts.run_contact_sync")
def run_contact_sync_task(job_id: int) -> None:
    from contacts.sync import run_contact_sync

    run_contact_sync(job_id)


@shared_task(name="contacts.run_contact_push")
def run_contact_push_task(job_id: int) -> None:
    from contacts.push import run_contact_push

    run_contact_push(job_id)


TASKS = {"contact_sync": run_contact_sync_task, "contact_push": run_contact_push_task}


@shared_task(name="contacts.schedule_contact_syncs")
def schedule_contact_syncs() -> dict:
    started = start_due_syncs()
    swept = sweep_stale_jobs()
    return {"started": started, **swept}


def start_due_syncs(now=None) -> int:
    from contacts.sync import start_contact_sync

    now = now or timezone.now()
    # Newly authorized connectors get their settings row (and so their first full import).
    for account in ConnectorAccount.objects.unscoped().usable().filter(contact_sync__isnull=True):
        ContactSyncSettings.for_connector(account)
    due = (
        ContactSyncSettings.objects.unscoped()
        .filter(
            Q(next_run_at__isnull=True) | Q(next_run_at__lte=now),
            enabled=True,
            connector__status=ConnectorStatus.AUTHORIZED,
        )
        .select_related("connector")
    )
    started = 0
    for st in due:
        _job, created = start_contact_sync(st.connector)
        started += created
    return started


def sweep_stale_jobs(now=None) -> dict:
    """Re-queue running jobs without a heartbeat; ring again for queued ones nobody took."""
    now = now or timezone.now()
    requeued = failed = rung = 0
    stale = Job.objects.unscoped().filter(
        kind__in=list(TASKS), status=JobStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER
    )
    for job in stale:
        attempts = int((job.result or {}).get("attempts", 1)) + 1
        fields = {"heartbeat_at": now, "result": {**(job.result or {}), "attempts": attempts}}
        if attempts > MAX_ATTEMPTS:
            fields.update(
                status=JobStatus.FAILED,
                finished_at=now,
                error=f"The worker stopped responding {MAX_ATTEMPTS} times; giving up.",
            )
        else:
            fields.update(status=JobStatus.QUEUED, started_at=None)
        with transaction.atomic():
            # Conditional on the heartbeat we saw: a job that just moved on is left alone.
            changed = (
                Job.objects.for_tenant(job.tenant_id)
                .filter(pk=job.pk, status=JobStatus.RUNNING, heartbeat_at=job.heartbeat_at)
                .update(**fields)
            )
            if changed and fields["status"] == JobStatus.QUEUED:
                ring(TASKS[job.kind], job.pk)
        if changed:
            failed += fields["status"] == JobStatus.FAILED
            requeued += fields["status"] == JobStatus.QUEUED
    lost = (
        Job.objects.unscoped()
        .filter(kind__in=list(TASKS), status=JobStatus.QUEUED)
        .filter(
            Q(heartbeat_at__lt=now - LOST_DOORBELL_AFTER)
            | Q(heartbeat_at__isnull=True, created_at__lt=now - LOST_DOORBELL_AFTER)
        )
    )
    for job in lost:
        if (
            Job.objects.for_tenant(job.tenant_id)
            .filter(pk=job.pk, status=JobStatus.QUEUED)
            .update(heartbeat_at=now)
        ):
            ring(TASKS[job.kind], job.pk)
            rung += 1
    if requeued or failed or rung:
        log.warning("job sweeper: %s re-queued, %s failed, %s rung again", requeued, failed, rung)
    return {"requeued": requeued, "failed": failed, "rung": rung}
