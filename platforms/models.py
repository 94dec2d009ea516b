"""Contact-center accounts: one tenant's configured platform (first kind: Daktela V6).

The table is still `contacts_contactcenteraccount` (the model moved here from contacts in
migration platforms 0001; no data moved). Models build no HTTP clients: a platform's client
comes from its package (platforms/registry.py `platform_for(account)`).
"""

from django.db import models
from django.utils import timezone

from platforms.types import AGENT_STATUSES
from tenants.fields import EncryptedJSONField
from tenants.scoping import TenantScopedModel


class ContactCenterKind(models.TextChoices):
    DAKTELA = "daktela", "Daktela V6"
    UIS = "uis", "UIS (CoMagic)"


class ContactCenterAccount(TenantScopedModel):
    """A contact-center platform the imported contacts are pushed to (first kind: Daktela V6)."""

    kind = models.CharField(
        max_length=16, choices=ContactCenterKind.choices, default=ContactCenterKind.DAKTELA
    )
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=300, help_text="e.g. https://mycompany.daktela.com")
    credentials = EncryptedJSONField(default=dict)  # {"access_token": ...}, write-only
    # Kind-specific, not secret (uis: data_api_url, call_api_url, virtual_phone_number).
    settings = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True, help_text="Push contacts after each sync")
    last_push_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "contacts_contactcenteraccount"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="uniq_cc_account_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def access_token_set(self) -> bool:
        return bool((self.credentials or {}).get("access_token"))


class PlatformAuditEntry(TenantScopedModel):
    """Who changed what on a contact-center account, when (secrets: the field name only)."""

    account = models.ForeignKey(
        ContactCenterAccount, null=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    account_name = models.CharField(max_length=100)
    actor = models.CharField(max_length=200)
    action = models.CharField(max_length=32)  # created | updated | deleted | tested | ...
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class AgentStatus(TenantScopedModel):
    """One agent's availability (issue 15): fed by the CRMs / platforms that report it (e.g.
    retailCRM's changeUserStatusUrl), pushed to the platforms that take it (UIS)."""

    STATUSES = [(s, s) for s in AGENT_STATUSES]
    agent_id = models.CharField(max_length=128)
    status = models.CharField(max_length=16, choices=STATUSES)
    since = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=64, blank=True, default="")  # e.g. "retailcrm:7"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "agent_id"], name="uniq_agent_status")
        ]

    def __str__(self) -> str:
        return f"{self.agent_id}: {self.status}"
