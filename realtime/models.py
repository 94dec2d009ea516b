"""Real-time configuration: inbound routing rules, screen-pop rules and widget tokens."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenants.scoping import TenantScopedModel


class RoutingKind(models.TextChoices):
    OWNER = "owner", "Contact owner's agent"
    FIELD_VALUE = "field_value", "Contact field has a value"
    BNUM = "bnum", "Call came to a number (queue)"


# The highest rule position (the API schema's maximum; the page's form checks the same).
MAX_POSITION = 100000
POSITION_FULL = (
    f"The last rule is at position {MAX_POSITION}, the highest allowed: give this rule a "
    "position (rules at one position are tried oldest first), or renumber the rules."
)


class RoutingRule(TenantScopedModel):
    """One inbound routing rule (seed 001). Evaluated by `position`, first match wins."""

    position = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=RoutingKind.choices)
    field = models.CharField(max_length=128, blank=True, default="")
    value = models.CharField(max_length=255, blank=True, default="")
    bnum = models.CharField(max_length=32, blank=True, default="")
    target = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["tenant", "position"])]

    def __str__(self) -> str:
        return self.name

    def describe(self) -> str:
        """The rule in one plain sentence, for lists and the tester."""
        if self.kind == RoutingKind.OWNER:
            return "Known caller → the contact owner's agent phone"
        if self.kind == RoutingKind.FIELD_VALUE:
            return f"Contact field {self.field} = {self.value!r} → {self.target}"
        return f"Known caller dialled {self.bnum} → {self.target}"


class ScreenPopRule(TenantScopedModel):
    """One custom-URL rule `condition=>url` (seed 002), evaluated by `key` in text order."""

    key = models.CharField(max_length=16)
    rule = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="uniq_screen_pop_key")
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.rule}"


class WidgetToken(TenantScopedModel):
    """An issued activity-widget token: the signed value carries this row's id (revocable)."""

    name = models.CharField(max_length=100)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def usable(self) -> bool:
        return self.revoked_at is None and not self.expired

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
