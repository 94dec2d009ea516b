"""Records created in a CRM for unknown callers: the claim that makes the creation happen once."""

from django.db import models

from tenants.scoping import TenantScopedModel


class CreatedCaller(TenantScopedModel):
    """One record created (or being created) in one CRM for one unknown number.

    A delivery worker claims the row in its own short transaction *before* asking the CRM to
    create the record (unique on (connector, e164): a second worker, a retry or a second call
    from the same number in the batch finds the claim instead of creating again). `crm_id` is
    empty while the creation is in flight; a claim older than the outbox lease whose creator
    never finished is taken over after a live search in the CRM found nothing
    (calls/callers.py).
    """

    connector = models.ForeignKey(
        "connectors.ConnectorAccount", on_delete=models.CASCADE, related_name="created_callers"
    )
    e164 = models.CharField(max_length=20)
    type = models.CharField(max_length=8)  # contact | lead
    crm_id = models.CharField(max_length=64, blank=True, default="")
    claimed_at = models.DateTimeField()
    created_at = models.DateTimeField(null=True, blank=True)  # when the CRM answered

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connector", "e164"], name="uniq_created_caller")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.crm_id or '(creating)'} for {self.e164}"
