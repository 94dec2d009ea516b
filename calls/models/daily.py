"""The dashboard's daily rollup: call logs per tenant, local day (of the call's start) and
connector, by state (calls/rollup.py keeps it up to date)."""

from django.db import models

from tenants.scoping import TenantScopedModel


class CallDay(TenantScopedModel):
    connector = models.ForeignKey(
        "connectors.ConnectorAccount", on_delete=models.CASCADE, related_name="call_days"
    )
    day = models.DateField()  # in the tenant's time zone
    synced = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)  # failed (retrying) + dead
    # Not final yet (pending, running, failed): the day is counted again until this is 0.
    open = models.PositiveIntegerField(default=0)
    counted_at = models.DateTimeField(null=True, blank=True)  # last full count (None: only +)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "day", "connector"], name="uniq_call_day")
        ]
        indexes = [
            models.Index(fields=["day"], name="call_day_open", condition=models.Q(open__gt=0))
        ]
