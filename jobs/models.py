"""Background jobs recorded as rows (NetBox style): status, progress, error, timings.

A Celery task is only the doorbell: it takes the job id, re-reads the row and records its
outcome here, so the UI and `GET /api/v1/jobs/{id}/` always tell the truth.
"""

from django.db import models
from django.utils import timezone

from tenants.scoping import TenantQuerySet, TenantScopedModel


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class JobQuerySet(TenantQuerySet):
    def unfinished(self):
        return self.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])


class Job(TenantScopedModel):
    kind = models.CharField(max_length=64)  # e.g. "contact_sync"
    connector = models.ForeignKey(
        "connectors.ConnectorAccount",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="jobs",
    )
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "kind", "status"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, int(100 * self.done / self.total))

    def start(self) -> None:
        self.status = JobStatus.RUNNING
        self.started_at = self.heartbeat_at = timezone.now()
        self.error = ""
        self.save(update_fields=["status", "started_at", "heartbeat_at", "error"])

    def progress(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        self.heartbeat_at = timezone.now()
        Job.objects.for_tenant(self.tenant_id).filter(pk=self.pk).update(
            done=self.done, total=self.total, heartbeat_at=self.heartbeat_at
        )

    def finish(self, error: str = "", result: dict | None = None) -> None:
        self.status = JobStatus.FAILED if error else JobStatus.SUCCEEDED
        self.error = error[:5000]
        self.result = result or self.result
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "error", "result", "finished_at", "done", "total"])
