"""Per-connector call sync settings (the outbox rows themselves live in delivery.models)."""

from django.db import models

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
