"""The one job sweeper (task `jobs.sweep`, every minute): lost jobs of every registered kind.

* A running job without a heartbeat for STALE_AFTER lost its worker: it is re-queued (its claim
  token cleared, so the old worker's next heartbeat raises LostClaim) and its task rung again;
  after MAX_ATTEMPTS such losses it fails.
* A queued job nobody took for LOST_DOORBELL_AFTER lost its doorbell (broker down when it was
  rung): its task is rung again.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jobs.models import Job, JobStatus
from jobs.runner import RUNNERS
from portal.celery import ring

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=5)
LOST_DOORBELL_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 3


def sweep_stale_jobs(now=None) -> dict:
    """Re-queue running jobs without a heartbeat; ring again for queued ones nobody took."""
    now = now or timezone.now()
    kinds = list(RUNNERS)
    requeued = failed = rung = 0
    stale = Job.objects.unscoped().filter(  # the sweeper: every tenant's jobs
        kind__in=kinds, status=JobStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER
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
                ring(RUNNERS[job.kind].task, job.pk)
        if changed:
            failed += fields["status"] == JobStatus.FAILED
            requeued += fields["status"] == JobStatus.QUEUED
    lost = (
        Job.objects.unscoped()
        .filter(kind__in=kinds, status=JobStatus.QUEUED)
        .filter(
            Q(heartbeat_at__lt=now - LOST_DOORBELL_AFTER)
            | Q(heartbeat_at__isnull=True, created_at__lt=now - LOST_DOORBELL_AFTER)
        )
    )
    for job in lost:
        mine = Job.objects.for_tenant(job.tenant_id)
        if mine.filter(pk=job.pk, status=JobStatus.QUEUED).update(heartbeat_at=now):
            ring(RUNNERS[job.kind].task, job.pk)
            rung += 1
    if requeued or failed or rung:
        log.warning("job sweeper: %s re-queued, %s failed, %s rung again", requeued, failed, rung)
    return {"requeued": requeued, "failed": failed, "rung": rung}
