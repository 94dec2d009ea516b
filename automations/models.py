"""Triggers (ended call -> CRM ticket) and callback profiles/requests (-> CRM phone calls)."""

from datetime import timedelta

from django.db import models
from django.utils import timezone

from tenants.scoping import TenantQuerySet, TenantScopedModel

DIRECTIONS = ["in", "out", "internal"]
STATUSES = ["answered", "missed", "abandoned", "busy"]
FIRE_ON = [("ringing", "Ringing"), ("answered", "Answered"), ("ended", "Ended")]
EARLY = ("ringing", "answered")  # fire_on values that open the ticket during the call
FIRE_ON_HELP = (
    "When the ticket opens. Ringing or Answered: while the agent is on the call (they see it "
    "in the activity widget), completed with the call's outcome when it ends; such a trigger "
    "cannot have statuses, which are known only at the end. Ended: after the call."
)


def early_statuses_error(fire_on: str) -> str:
    return (
        f"A trigger on {fire_on} opens the ticket before the call's status is known: "
        "leave statuses empty, or fire on ended."
    )


class TriggerQuerySet(TenantQuerySet):
    def active(self):
        return self.filter(active=True)

    def early(self):
        """Triggers that open their ticket while the agent is on the call."""
        return self.filter(fire_on__in=EARLY)


class Trigger(TenantScopedModel):
    """Seed 004: a trigger per queue, call status and direction opens a ticket for the call."""

    connector = models.ForeignKey(
        "connectors.ConnectorAccount", on_delete=models.CASCADE, related_name="triggers"
    )
    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)
    queues = models.JSONField(default=list, blank=True)  # empty = any
    statuses = models.JSONField(default=list, blank=True)
    directions = models.JSONField(default=list, blank=True)
    action = models.CharField(
        max_length=32, default="create_ticket", choices=[("create_ticket", "Create a ticket")]
    )
    subject_template = models.CharField(max_length=255, default="{status} call from {caller}")
    # When the ticket opens (API.md): at the end (default), or while the agent is on the call
    # (ringing / answered: then completed with the call's outcome when it ends).
    fire_on = models.CharField(
        max_length=16,
        default="ended",
        choices=FIRE_ON,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TriggerQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def early(self) -> bool:
        return self.fire_on in EARLY

    def reached(self, call) -> bool:
        """Whether a call (in progress or not) has reached this early trigger's moment."""
        if self.fire_on == "answered":
            return call.answered_at is not None
        return self.fire_on == "ringing"

    def mismatch(self, call) -> str:
        """Why `call` does not match ("" when it does). Empty condition lists mean "any"."""
        checks = (
            ("queue", self.queues, call.queue),
            ("status", self.statuses, call.status),
            ("direction", self.directions, call.direction),
        )
        for label, allowed, value in checks:
            if allowed and value not in allowed:
                return f"{label} {value or '(none)'} is not one of {', '.join(allowed)}"
        return ""


class CallbackProfile(TenantScopedModel):
    """Seed 001: how callback requests of one callback list become CRM phone calls."""

    class Ownership(models.TextChoices):
        API_USER = "api_user", "API user"
        QUEUE_OWNER = "queue_owner", "Owner of queue"

    class Duplicates(models.TextChoices):
        BUNDLE = "bundle", "Bundle calls"
        IGNORE = "ignore", "Ignore additional calls"

    class SyncMethod(models.TextChoices):
        ALL_OPEN = "all_open", "All open requests"
        AGE_WINDOW = "age_window", "Only requests younger than the callback age"

    class AgeUnit(models.TextChoices):
        DAYS = "days", "Days"
        HOURS = "hours", "Hours"
        MINUTES = "minutes", "Minutes"

    connector = models.ForeignKey(
        "connectors.ConnectorAccount", on_delete=models.CASCADE, related_name="callback_profiles"
    )
    name = models.CharField(max_length=100)
    callback_list = models.CharField(max_length=100)
    crm_queue_id = models.CharField(max_length=64, blank=True, default="")
    ownership = models.CharField(
        max_length=16, choices=Ownership.choices, default=Ownership.API_USER
    )
    subject = models.CharField(
        max_length=255, blank=True, default="", help_text="Empty: the connector's subject template"
    )
    duplicates = models.CharField(
        max_length=8, choices=Duplicates.choices, default=Duplicates.BUNDLE
    )
    sync_method = models.CharField(
        max_length=16, choices=SyncMethod.choices, default=SyncMethod.ALL_OPEN
    )
    age_unit = models.CharField(max_length=8, choices=AgeUnit.choices, default=AgeUnit.DAYS)
    age = models.PositiveIntegerField(default=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "callback_list"], name="uniq_callback_list_profile"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def max_age(self) -> timedelta:
        return timedelta(**{self.age_unit: self.age})

    def too_old(self, requested_at, now=None) -> bool:
        """Age window: only requests strictly younger than `age` `age_unit` are synced."""
        if self.sync_method != self.SyncMethod.AGE_WINDOW:
            return False
        return (now or timezone.now()) - requested_at >= self.max_age


class CallbackState(models.TextChoices):
    RECEIVED = "received", "Received"
    QUEUED = "queued", "Queued for the CRM"
    SYNCED = "synced", "In the CRM"
    IGNORED = "ignored", "Ignored (duplicate)"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"
    CLOSED = "closed", "Closed"


OPEN_STATES = [
    CallbackState.RECEIVED,
    CallbackState.QUEUED,
    CallbackState.SYNCED,
    CallbackState.FAILED,
]


class CallbackRequestQuerySet(TenantQuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)


class CallbackRequest(TenantScopedModel):
    request_id = models.CharField(max_length=128)
    callback_list = models.CharField(max_length=100)
    phone = models.CharField(max_length=64)
    phone_e164 = models.CharField(max_length=20, blank=True, default="")
    requested_at = models.DateTimeField()
    queue = models.CharField(max_length=100, blank=True, default="")
    note = models.TextField(blank=True, default="")
    profile = models.ForeignKey(
        CallbackProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    state = models.CharField(
        max_length=16, choices=CallbackState.choices, default=CallbackState.RECEIVED
    )
    reason = models.CharField(max_length=300, blank=True, default="")
    bundled_with = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="bundled"
    )
    crm_record_id = models.CharField(max_length=64, blank=True, default="")
    crm_record_url = models.CharField(max_length=500, blank=True, default="")
    received_at = models.DateTimeField(auto_now_add=True)

    objects = CallbackRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "request_id"], name="uniq_callback_request_id"
            )
        ]
        indexes = [models.Index(fields=["tenant", "phone_e164", "state"])]

    def __str__(self) -> str:
        return f"{self.request_id} ({self.phone})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def close(self) -> None:
        """The call back happened: later requests of this number count as new ones again."""
        self.state = CallbackState.CLOSED
        self.save(update_fields=["state"])

    @property
    def match_phone(self) -> str:
        return self.phone_e164 or self.phone
