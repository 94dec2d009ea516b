"""Raw call events (append-only, unique per tenant + event_id) and the calls folded from them."""

from django.db import models
from django.db.models import F
from django.db.models.functions import Upper

from portal.phones import normalize, tail
from tenants.scoping import TenantQuerySet, TenantScopedModel

EVENT_TYPES = ("ringing", "answered", "ended", "missed", "transferred", "wrapup")
DIRECTIONS = ("in", "out", "internal")
PRIVACIES = ("work", "private", "unclassified")
STATUSES = ("answered", "missed", "abandoned", "busy")


class CallEvent(TenantScopedModel):
    """One event as received. Never updated except `folded` (the fold outbox flag)."""

    event_id = models.CharField(max_length=128)
    call_id = models.CharField(max_length=128)
    activity_id = models.CharField(max_length=128, blank=True, default="")
    type = models.CharField(max_length=16)
    occurred_at = models.DateTimeField()
    data = models.JSONField(default=dict)  # the other fields, as validated
    source = models.CharField(max_length=16, default="api")  # api | daktela
    received_at = models.DateTimeField()
    folded = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "event_id"], name="uniq_call_event_id")
        ]
        indexes = [
            models.Index(fields=["tenant", "call_id", "occurred_at"]),
            models.Index(
                fields=["received_at"], name="call_event_unfolded", condition=models.Q(folded=False)
            ),
        ]


class CallQuerySet(TenantQuerySet):
    def by_phone(self, phone: str, region: str):
        """Calls whose caller or callee is `phone`, in any format (E.164, else trailing digits)."""
        e164 = normalize(phone, region)
        q = models.Q()
        if e164:
            q |= models.Q(caller_e164=e164) | models.Q(callee_e164=e164)
        key = tail(phone)
        if key:
            q |= models.Q(caller_tail=key) | models.Q(callee_tail=key)
        return self.filter(q) if q else self.none()


class Call(TenantScopedModel):
    """The current picture of one call, recomputed from all its events (see calls/folding.py)."""

    call_id = models.CharField(max_length=128)
    direction = models.CharField(max_length=16, blank=True, default="")
    caller = models.CharField(max_length=64, blank=True, default="")
    callee = models.CharField(max_length=64, blank=True, default="")
    caller_e164 = models.CharField(max_length=20, blank=True, default="")
    callee_e164 = models.CharField(max_length=20, blank=True, default="")
    caller_tail = models.CharField(max_length=12, blank=True, default="")
    callee_tail = models.CharField(max_length=12, blank=True, default="")
    phone_e164 = models.CharField(max_length=20, blank=True, default="")  # the customer's number
    queue = models.CharField(max_length=128, blank=True, default="")
    status = models.CharField(max_length=16, blank=True, default="")
    privacy = models.CharField(max_length=16, blank=True, default="work")
    agent_id = models.CharField(max_length=128, blank=True, default="")
    agent_email = models.CharField(max_length=254, blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.IntegerField(default=0)
    wait_seconds = models.IntegerField(default=0)
    recording_url = models.CharField(max_length=500, blank=True, default="")
    # The agent's wrap-up (API.md: `notes`, `disposition`, `tags`; the latest event's win).
    notes = models.TextField(blank=True, default="")
    disposition = models.CharField(max_length=128, blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    ended = models.BooleanField(default=False)
    decided_at = models.DateTimeField(null=True, blank=True)  # sync decisions recorded
    updated_at = models.DateTimeField(auto_now=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "call_id"], name="uniq_call_id")]
        indexes = [
            # The console's keyset order (started_at, id), alone and per filter it offers.
            models.Index(fields=["tenant", "started_at", "id"], name="call_started"),
            models.Index(fields=["tenant", "queue", "started_at", "id"], name="call_queue"),
            models.Index(fields=["tenant", "status", "started_at", "id"], name="call_status"),
            models.Index(
                F("tenant"), Upper("agent_email"), F("started_at"), F("id"), name="call_agent_ci"
            ),
            models.Index(fields=["tenant", "caller_e164"]),
            models.Index(fields=["tenant", "callee_e164"]),
            models.Index(fields=["tenant", "caller_tail"]),
            models.Index(fields=["tenant", "callee_tail"]),
            models.Index(fields=["tenant", "phone_e164", "started_at"]),
            models.Index(fields=["tenant", "agent_email"]),
        ]

    def __str__(self) -> str:
        return self.call_id

    @property
    def customer_phone(self) -> str:
        return self.caller if self.direction == "in" else self.callee


class CallActivity(TenantScopedModel):
    """One agent's leg of a call (Daktela "activity")."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="activities")
    activity_id = models.CharField(max_length=128)
    agent_id = models.CharField(max_length=128, blank=True, default="")
    agent_email = models.CharField(max_length=254, blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "activity_id"], name="uniq_call_activity")
        ]
        indexes = [models.Index(F("tenant"), Upper("agent_email"), name="call_activity_agent_ci")]
