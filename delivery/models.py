"""Outbox rows (one per CRM write to make, or a recorded skip) and one row per delivery try."""

import uuid

from django.db import models

from delivery import kinds
from tenants.scoping import TenantQuerySet, TenantScopedModel


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
    `key` is the idempotency key sent to the CRM; (connector, kind, key) is unique. `kind` is
    one of the kinds the apps registered (delivery/kinds.py). Each try is a DeliveryAttempt;
    `attempts` and `last_error` sum them up.
    """

    connector = models.ForeignKey(
        "connectors.ConnectorAccount", on_delete=models.CASCADE, related_name="sync_records"
    )
    kind = models.CharField(max_length=16, choices=kinds.choices, default="call_log")
    key = models.CharField(max_length=255)
    # The call the write is about (call logs, and tickets opened for a call). A lazy model
    # reference, not an import: the outbox works without knowing what a call is.
    call = models.ForeignKey(
        "calls.Call", null=True, blank=True, on_delete=models.CASCADE, related_name="sync_records"
    )
    # The email / chat / SMS the write is about (interaction logs), lazy like `call`.
    interaction = models.ForeignKey(
        "calls.Interaction",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sync_records",
    )
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=SyncState.choices, default=SyncState.PENDING)
    reason = models.CharField(max_length=32, blank=True, default="")
    reason_detail = models.JSONField(default=dict, blank=True)
    # Which CRM record the write is linked to and why (call logs, tickets, callbacks): {"type",
    # "crm_id", "source": local|live|created, "candidates", "rule", ...}; {} = not matched.
    match = models.JSONField(default=dict, blank=True)
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
    # What the last successful write did in the CRM (connectors.types.WriteResult.action):
    # created | updated | linked (an existing CRM record, start margin) | unchanged (the CRM
    # cannot update a logged record); and when the CRM record was last written (created or
    # updated: the API's sync `updated_at`).
    last_action = models.CharField(max_length=16, blank=True, default="")
    crm_updated_at = models.DateTimeField(null=True, blank=True)
    # What the last manual retry (decide again) changed, in words, and when.
    retry_note = models.CharField(max_length=300, blank=True, default="")
    retried_at = models.DateTimeField(null=True, blank=True)

    objects = SyncRecordQuerySet.as_manager()

    class Meta:
        db_table = "calls_syncrecord"  # created by the calls app; moved here without a copy
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["connector", "kind", "key"], name="uniq_sync_key")
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["connector", "kind", "state", "next_attempt_at"]),
            models.Index(fields=["tenant", "state"]),
            # A claim reads a connector's due rows in order and stops at its batch size, however
            # long the backlog (delivery/outbox.py claim()).
            models.Index(
                fields=["connector", "kind", "next_attempt_at", "id"],
                condition=models.Q(state__in=DUE_STATES),
                name="sync_due_by_connector",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.state})"

    @staticmethod
    def new_lease():
        return uuid.uuid4()


class AttemptOutcome(models.TextChoices):
    SYNCED = "synced", "Synced"
    FAILED = "failed", "Failed (will retry)"
    DEAD = "dead", "Dead (gave up)"
    LOST = "lost", "Lost (the worker stopped; its lease expired)"
    DISCARDED = "discarded", "Discarded (the row changed meanwhile)"
    SKIPPED = "skipped", "Skipped (decided at delivery: nothing to write)"


class DeliveryAttempt(TenantScopedModel):
    """One try to deliver one outbox row: when, how it ended, the error, the CRM's request id.

    Written when the try ends (one INSERT per batch). A try whose worker died is written as
    `lost` when its row is claimed again; a result that arrives after the row was taken over
    (expired lease, or a late-event revision) is written as `discarded`.
    """

    record = models.ForeignKey(
        SyncRecord, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    number = models.PositiveIntegerField(help_text="the row's attempt count for this try")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices)
    error = models.TextField(blank=True, default="")
    crm_request_id = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["record", "id"])]

    def __str__(self) -> str:
        return f"{self.record_id} #{self.number} {self.outcome}"
