"""Interactions: one email, chat or SMS conversation per `interaction_id` (API.md Interactions).

A resend with the same content is a duplicate; with changed content the row is updated
(`content_hash` differs), `decided_at` is cleared and the decision runs again, re-sending the
CRM record under the same key (the connector upserts). See calls/interactions.py.
"""

from django.db import models

from tenants.scoping import TenantScopedModel

INTERACTION_CHANNELS = ("email", "chat", "sms")
INTERACTION_DIRECTIONS = ("in", "out")


class Interaction(TenantScopedModel):
    interaction_id = models.CharField(max_length=128)
    channel = models.CharField(max_length=8)
    direction = models.CharField(max_length=4)
    address = models.CharField(max_length=254)  # as sent
    # The matching key: E.164 for chat / sms (raw when not parseable), lowercased for email.
    address_key = models.CharField(max_length=254, blank=True, default="")
    queue = models.CharField(max_length=128, blank=True, default="")
    agent_email = models.CharField(max_length=254, blank=True, default="")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    subject = models.CharField(max_length=255, blank=True, default="")
    body = models.TextField(blank=True, default="")
    notes = models.TextField(blank=True, default="")
    disposition = models.CharField(max_length=128, blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=16, default="api")  # api | daktela
    content_hash = models.CharField(max_length=64)
    received_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "interaction_id"], name="uniq_interaction_id")
        ]
        indexes = [
            models.Index(fields=["tenant", "started_at"]),
            models.Index(fields=["tenant", "channel", "started_at"]),
            models.Index(fields=["tenant", "address_key", "started_at"]),
            models.Index(fields=["tenant", "agent_email", "started_at"]),
            models.Index(
                fields=["received_at"],
                name="interaction_undecided",
                condition=models.Q(decided_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.interaction_id
