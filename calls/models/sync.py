"""Per-connector call sync settings (the outbox rows themselves live in delivery.models).

Every connector has its row from its creation on (a post_save receiver here; migration
calls 0007 for the connectors before it), so deciding calls only reads settings.
`for_connector` / `for_connectors` still create a missing row (a connector inserted without
signals, e.g. bulk_create): get_or_create, safe under concurrency (the connector is unique).
"""

from django.db import models
from django.db.models.signals import post_save
from django.dispatch import receiver

from tenants.scoping import TenantScopedModel

CHANNELS = ("call", "email", "chat", "sms")


def default_channels() -> list[str]:
    return list(CHANNELS)


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
    # Which interaction channels are logged into this CRM (API.md; default all four).
    channels = models.JSONField(default=default_channels, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    @classmethod
    def for_connector(cls, connector) -> "CallSyncSettings":
        obj, _ = cls.objects.get_or_create(connector=connector, tenant_id=connector.tenant_id)
        return obj

    @classmethod
    def for_connectors(cls, connectors) -> dict[int, "CallSyncSettings"]:
        """connector id -> its settings, in one query (the rows exist from creation on)."""
        connectors = list(connectors)
        if not connectors:
            return {}
        rows = {
            s.connector_id: s
            for s in cls.objects.for_tenant(connectors[0].tenant_id).filter(
                connector__in=connectors
            )
        }
        for c in connectors:
            if c.pk not in rows:  # created without signals: the slow, safe path
                rows[c.pk] = cls.for_connector(c)
        return rows


@receiver(
    post_save, sender="connectors.ConnectorAccount", dispatch_uid="calls.create_sync_settings"
)
def create_sync_settings(sender, instance, created, raw=False, **kwargs) -> None:
    """A new connector gets its settings row now, in the transaction that creates it."""
    if created and not raw:
        CallSyncSettings.objects.get_or_create(connector=instance, tenant_id=instance.tenant_id)
