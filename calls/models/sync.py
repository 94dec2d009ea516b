"""Per-connector call sync settings and the generic outbox (one row per CRM write to make)."""

import uuid

from django.db import models

from tenants.scoping import TenantQuerySet, TenantScopedModel


class CallSyncSettings(TenantScopedModel):
    """How calls are logged to one connector (seed 001: CallDurationLimit, CallStartMargin...)."""

    connector = models.OneToOneField(
        "connectors.ConnectorAccount", on_delete=models.CASCADE, related_name="call_sync_settings"
    )
    enabled = models.BooleanField(default=True)
    min_duration_seconds = models.PositiveIntegerField(default=0)
    start_margin_seconds = models.PositiveIntegerField(default=60)
    default_owner_crm_id = models.CharField(max_length=64, blank=True, default="")
    sync_unclassified = models.BooleanField(default=False)
    subject_template = models.CharField(max_length=200, default="{direction} call {phone}")
    updated_at = models.DateTimeField(auto_now=True)

    @classmethod
    def for_connector(cls, connector) -> "CallSyncSettings":
        obj, _ = cls.objects.get_or_create(connector=connector, tenant_id=connector.tenant_id)
        return obj


class SyncKind(models.TextChoices):
    CALL_LOG = "call_log", "Call log"
    TICKET = "ticket", "Ticket"
    CALLBACK = "callback", "Callback"


class SyncState(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SYNCED = "synced", "Synced"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed (will retry)"
    DEAD = "dead", "Dead (gave up)"


DUE_STATES = (SyncState.PENDING, SyncState.FAILED)
OPEN_STATES = (SyncState.PENDING, SyncState.RUNNING, SyncState.FAILED)


class SyncRecordQuerySet(TenantQuerySet):
    def due(self, now):
        """Rows a worker may claim: due pending/failed ones and running ones whose lease expired."""
        return self.filter(
            models.Q(state__in=DUE_STATES, next_attempt_at__lte=now)
            | models.Q(state=SyncState.RUNNING, locked_until__lt=now)
        )

    def backlog(self):
        return self.filter(state__in=(*OPEN_STATES, SyncState.DEAD))


class SyncRecord(TenantScopedModel):
    """A decision about one CRM write and, when queued, its outbox row.

    Skipped decisions stay here with their reason (state=skipped). Queued ones move
    pending -> running (leased) -> synced, or -> failed (retried at next_attempt_at) -> dead.
    `key` is the idempotency key sent to the CRM; (connector, kind, key) is unique.
    """

    connector = models.ForeignKey(
        "connectors.ConnectorAccount", on_delete=models.CASCADE, related_name="sync_records"
    )
    kind = models.CharField(max_length=16, choices=SyncKind.choices, default=SyncKind.CALL_LOG)
    key = models.CharField(max_length=255)
    call = models.ForeignKey(
        "calls.Call", null=True, blank=True, on_delete=models.CASCADE, related_name="sync_records"
    )
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=SyncState.choices, default=SyncState.PENDING)
    reason = models.CharField(max_length=32, blank=True, default="")
    reason_detail = models.JSONField(default=dict, blank=True)
    crm_record_id = models.CharField(max_length=128, blank=True, default="")
    crm_record_url = models.CharField(max_length=500, blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    lease = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    # Call logs whose payload was rebuilt because events arrived after the decision
    # (calls/late.py): how many times, and when last.
    late_updates = models.PositiveIntegerField(default=0)
    late_updated_at = models.DateTimeField(null=True, blank=True)

    objects = SyncRecordQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["connector", "kind", "key"], name="uniq_sync_key")
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["connector", "kind", "state", "next_attempt_at"]),
            models.Index(fields=["tenant", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.state})"

    @staticmethod
    def new_lease():
        return uuid.uuid4()
