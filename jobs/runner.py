"""The job lifecycle (in the spirit of NetBox's `netbox/jobs.py` JobRunner) and its registry.

A job is a Job row; a Celery task named by the runner is only the doorbell that says "look now".

* `JobRunner.enqueue(...)` creates a queued row and rings the runner's task after commit.
* `JobRunner.handle(job_id)` (what the task calls) claims the job (queued -> running; its
  `started_at` is the claim token), runs it, and records the outcome on the row: the result,
  or an error message (an expected error the runner names, else the exception's type and text,
  with the traceback in the log).
* `heartbeat(job, done, total)` records progress; it raises `LostClaim` when the sweeper gave
  the job to another worker meanwhile (this one then stops quietly, recording nothing).
* The registry maps a kind (`Job.kind`) to its runner class; each app registers its runners in
  `AppConfig.ready`. The one sweeper (jobs/sweeper.py, task `jobs.sweep`) reads it to re-queue
  or expire the lost jobs of every kind.
"""

import logging
from typing import ClassVar

from django.db import transaction
from django.utils import timezone

from jobs.models import Job, JobStatus
from portal import metrics
from portal.celery import ring

log = logging.getLogger(__name__)


class LostClaim(Exception):
    """The sweeper handed this job to another worker; stop quietly."""


def claim_job(job_id: int, kind: str) -> Job | None:
    """Take a queued job (queued -> running); None when it is done or someone else has it."""
    with transaction.atomic():
        # The task holds only the job id; the row says whose it is.
        job = Job.objects.unscoped().select_for_update().filter(pk=job_id, kind=kind).first()
        if job is None or job.status != JobStatus.QUEUED:
            return None  # done, or another worker holds it (the sweeper watches heartbeats)
        job.status = JobStatus.RUNNING
        job.started_at = job.heartbeat_at = timezone.now()
        job.error = ""
        job.save(update_fields=["status", "started_at", "heartbeat_at", "error"])
    return job


def heartbeat(job: Job, done: int, total: int | None = None) -> None:
    """Record progress; raises LostClaim when the job is no longer this worker's."""
    job.done = done
    if total is not None:
        job.total = total
    job.heartbeat_at = timezone.now()
    owned = (
        Job.objects.for_tenant(job.tenant_id)
        .filter(pk=job.pk, status=JobStatus.RUNNING, started_at=job.started_at)
        .update(done=job.done, total=job.total, heartbeat_at=job.heartbeat_at)
    )
    if not owned:
        raise LostClaim()


def finish(job: Job, error: str = "", result: dict | None = None) -> None:
    """Record the outcome (only while this worker's claim holds: the claim token matches)."""
    status = JobStatus.FAILED if error else JobStatus.SUCCEEDED
    metrics.job_finished(job.kind, status, job.started_at, timezone.now())
    Job.objects.for_tenant(job.tenant_id).filter(pk=job.pk, started_at=job.started_at).update(
        status=status,
        error=error[:5000],
        result=result or {},
        done=job.done,
        total=job.total,
        finished_at=timezone.now(),
    )


class JobRunner:
    """One kind of job. Subclasses set `kind` and `task` and implement `run()`."""

    kind: ClassVar[str]  # Job.kind
    task: ClassVar[str]  # name of the Celery task that calls `handle(job_id)`

    def __init__(self, job: Job):
        self.job = job

    def run(self) -> dict:
        """Do the work, heartbeating as it goes; the returned dict is stored as Job.result."""
        raise NotImplementedError

    def failure(self, exc: Exception) -> tuple[str, dict | None] | None:
        """(error, result) to record for an expected error; None = unexpected (logged)."""
        return None

    def succeeded(self, result: dict) -> None:
        """Called after a successful job is recorded (e.g. the push that follows a sync)."""

    def heartbeat(self, done: int, total: int | None = None) -> None:
        heartbeat(self.job, done, total)

    @classmethod
    def enqueue(cls, tenant_id: int, **fields) -> Job:
        """A new queued job of this kind; its task is rung after commit (the sweeper rings
        again when the doorbell is lost)."""
        job = Job.objects.create(tenant_id=tenant_id, kind=cls.kind, **fields)
        ring(cls.task, job.pk)
        return job

    @classmethod
    def handle(cls, job_id: int) -> None:
        job = claim_job(job_id, cls.kind)
        if job is None:
            return
        runner = cls(job)
        try:
            result = runner.run()
        except LostClaim:
            log.warning("%s job %s was taken over by another worker", cls.kind, job_id)
            return
        except Exception as exc:  # recorded on the job; the log keeps unexpected tracebacks
            failure = runner.failure(exc)
            if failure is None:
                log.exception("%s job %s failed", cls.kind, job_id)
                failure = (f"{type(exc).__name__}: {exc}", None)
            error, details = failure
            finish(job, error=error, result=details)
            return
        finish(job, result=result)
        runner.succeeded(result)


# --- the registry: kind -> runner class, filled by each app's AppConfig.ready -----------------

RUNNERS: dict[str, type[JobRunner]] = {}


def register(runner: type[JobRunner]) -> type[JobRunner]:
    existing = RUNNERS.get(runner.kind)
    if existing is not None and existing is not runner:
        raise ValueError(f"job kind {runner.kind!r} is already run by {existing.__name__}")
    RUNNERS[runner.kind] = runner
    return runner


def runner_for(kind: str) -> type[JobRunner]:
    try:
        return RUNNERS[kind]
    except KeyError:
        raise LookupError(f"No job runner is registered for kind {kind!r}") from None
