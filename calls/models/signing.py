"""Standard Webhooks signing secrets for inbound call events (several active = rotation)."""

from django.db import models
from django.utils import timezone

from portal.cache import TTLCache
from tenants.fields import EncryptedJSONField
from tenants.scoping import TenantQuerySet, TenantScopedModel

# The tenant's active secrets, read on every signed ingest request (calls/signing.py); a secret
# generated or retired drops the tenant's entry at once.
ACTIVE_SECRETS = TTLCache("calls:signing-secrets", seconds=5.0)


class WebhookSecretQuerySet(TenantQuerySet):
    def active(self):
        return self.filter(retired_at__isnull=True)


class WebhookSecret(TenantScopedModel):
    """A `whsec_...` secret, encrypted at rest; shown once when generated."""

    label = models.CharField(max_length=100, blank=True, default="")
    secret = EncryptedJSONField(default=str)
    prefix = models.CharField(max_length=16)  # to recognise the secret in the UI
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = WebhookSecretQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def retire(self) -> None:
        if not self.retired_at:
            self.retired_at = timezone.now()
            self.save(update_fields=["retired_at"])
            ACTIVE_SECRETS.forget(self.tenant_id)
