"""Operations rows: a tenant's notification and retention settings, alert state per condition
and connector, and one row per notification sent (its channels' outcome, for retries)."""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from tenants.fields import EncryptedJSONField
from tenants.scoping import TenantScopedModel

MAX_DAYS = 3650


class NotificationSettings(TenantScopedModel):
    """Who is told about problems (one row per tenant; defaults apply without one)."""

    email_enabled = models.BooleanField(default=True)
    # Comma/newline separated addresses; empty: every admin of the tenant.
    recipients = models.TextField(blank=True, default="")
    webhook_url = models.CharField(max_length=500, blank=True, default="")
    webhook_secret = EncryptedJSONField(default=str)  # whsec_..., write-only
    backlog_minutes = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="uniq_notification_settings")
        ]

    def __str__(self) -> str:
        return f"notification settings of {self.tenant_id}"

    @classmethod
    def for_tenant(cls, tenant) -> "NotificationSettings":
        """The stored row, or the defaults (unsaved)."""
        row = cls.objects.for_tenant(tenant).first()
        return row or cls(tenant_id=getattr(tenant, "pk", tenant))

    def recipient_list(self) -> list[str]:
        parts = self.recipients.replace("\n", ",").replace(";", ",").split(",")
        return [p.strip() for p in parts if p.strip()]


class Condition(models.TextChoices):
    NEEDS_REAUTH = "needs_reauth", "Connector needs re-authorization"
    DEAD_DELIVERY = "dead_delivery", "Deliveries gave up (dead)"
    BACKLOG = "backlog", "Deliveries are late (backlog)"
    CONTACT_SYNC_FAILED = "contact_sync_failed", "Contact sync failed"


class AlertState(TenantScopedModel):
    """One condition of one connector: active from the first evaluation that sees it until one
    that does not. The transitions (and only they) send a notification."""

    connector = models.ForeignKey(
        "connectors.ConnectorAccount", on_delete=models.CASCADE, related_name="alert_states"
    )
    condition = models.CharField(max_length=32, choices=Condition.choices)
    active = models.BooleanField(default=False)
    detail = models.JSONField(default=dict, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connector", "condition"], name="uniq_alert_state")
        ]
        indexes = [models.Index(fields=["active"])]

    def __str__(self) -> str:
        return f"{self.condition} of {self.connector_id} ({'active' if self.active else 'clear'})"


class Event(models.TextChoices):
    FIRING = "firing", "Problem"
    RESOLVED = "resolved", "Resolved"
    TEST = "test", "Test"


class Channel(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    OFF = "off", "Not configured"


class Notification(TenantScopedModel):
    """One message about one alert transition, sent by e-mail and/or webhook (Celery, with
    retries: a channel that went out is never sent again)."""

    alert = models.ForeignKey(
        AlertState, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    event = models.CharField(max_length=16, choices=Event.choices)
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True, default="")
    payload = models.JSONField(default=dict, blank=True)
    # The Standard Webhooks message id: the same on every retry (receivers deduplicate on it).
    msg_id = models.CharField(max_length=64, default="", blank=True)
    email_state = models.CharField(max_length=8, choices=Channel.choices, default=Channel.PENDING)
    webhook_state = models.CharField(max_length=8, choices=Channel.choices, default=Channel.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "created_at"])]

    def __str__(self) -> str:
        return self.subject

    def save(self, *args, **kwargs):
        if not self.msg_id:
            self.msg_id = f"msg_{uuid.uuid4().hex}"
        super().save(*args, **kwargs)

    @property
    def done(self) -> bool:
        return Channel.PENDING not in (self.email_state, self.webhook_state)


def _days(help_text: str):
    return models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DAYS)],
        help_text=help_text,
    )


class RetentionSettings(TenantScopedModel):
    """How long a tenant's rows are kept (days; empty: for ever). Purged by a beat job."""

    call_events_days = _days("Raw call events (folded ones), by the time they were received.")
    calls_days = _days(
        "Calls and interactions (email, chat, SMS) with their CRM sync records and delivery"
        " attempts, by start time."
    )
    audit_days = _days("Audit log entries (connector changes, erasures).")
    jobs_days = _days("Finished background jobs (contact imports and pushes).")
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_result = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="uniq_retention_settings")]

    def __str__(self) -> str:
        return f"retention of {self.tenant_id}"

    @classmethod
    def for_tenant(cls, tenant) -> "RetentionSettings":
        row = cls.objects.for_tenant(tenant).first()
        return row or cls(tenant_id=getattr(tenant, "pk", tenant))
