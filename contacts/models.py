from django.db import models

from tenants.scoping import TenantQuerySet, TenantScopedModel


class ContactQuerySet(TenantQuerySet):
    def by_phone(self, phone: str, region: str):
        """Contacts with a number equal to `phone` in E.164, else matching its trailing digits."""
        from contacts.phones import normalize, tail

        e164 = normalize(phone, region)
        if e164:
            hit = self.filter(phone_numbers__e164=e164).distinct()
            if hit.exists():
                return hit
        key = tail(phone)
        if not key:
            return self.none()
        return self.filter(phone_numbers__tail=key).distinct()


class Contact(TenantScopedModel):
    """A CRM contact imported into the local store (the CRM stays the master)."""

    connector = models.ForeignKey(
        "connectors.ConnectorAccount", on_delete=models.CASCADE, related_name="contacts"
    )
    crm_id = models.CharField(max_length=64)
    first_name = models.CharField(max_length=200, blank=True, default="")
    last_name = models.CharField(max_length=200, blank=True, default="")
    email = models.CharField(max_length=254, blank=True, default="")
    account = models.CharField(max_length=255, blank=True, default="")
    owner_crm_id = models.CharField(max_length=64, blank=True, default="")
    phones = models.JSONField(default=list, blank=True)  # E.164 (or raw when not parseable)
    fields = models.JSONField(default=dict, blank=True)  # cc_field -> value, per field mappings
    crm_url = models.URLField(max_length=500, blank=True, default="")
    crm_modified_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["connector", "crm_id"], name="uniq_contact_crm_id")
        ]
        indexes = [
            models.Index(fields=["tenant", "email"]),
            models.Index(fields=["tenant", "last_name", "first_name"]),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.crm_id

    @property
    def name(self) -> str:
        return str(self)


class ContactPhone(TenantScopedModel):
    """One phone number of a contact, indexed for the real-time lookups."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phone_numbers")
    raw = models.CharField(max_length=64)
    e164 = models.CharField(max_length=20, blank=True, default="")
    tail = models.CharField(max_length=12, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "e164"]),
            models.Index(fields=["tenant", "tail"]),
        ]


class FieldMapping(TenantScopedModel):
    """A CRM field paired with a contact-center field (seed 000: "pairing the CRM custom fields")."""

    connector = models.ForeignKey(
        "connectors.ConnectorAccount", on_delete=models.CASCADE, related_name="field_mappings"
    )
    crm_object = models.CharField(max_length=64, default="Contact")
    crm_field = models.CharField(max_length=128)
    cc_field = models.CharField(max_length=128)
    missing_since = models.DateTimeField(
        null=True, blank=True, help_text="Set when the CRM no longer has the field"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["crm_object", "crm_field"]
        constraints = [
            models.UniqueConstraint(
                fields=["connector", "crm_object", "cc_field"], name="uniq_field_mapping_cc"
            ),
        ]


class MatchedBy(models.TextChoices):
    NONE = "", "Not matched"
    EMAIL = "email", "Email"
    MANUAL = "manual", "Manual"


class UserMapping(TenantScopedModel):
    """A contact-center agent paired with a CRM user (seed 001: matched by email, override email)."""

    connector = models.ForeignKey(
        "connectors.ConnectorAccount", on_delete=models.CASCADE, related_name="user_mappings"
    )
    agent_id = models.CharField(max_length=128)
    agent_email = models.EmailField(blank=True, default="")
    agent_phone = models.CharField(max_length=32, blank=True, default="")
    crm_email = models.EmailField(
        blank=True, default="", help_text="Override when the CRM email differs"
    )
    crm_user_id = models.CharField(max_length=64, blank=True, default="")
    matched_by = models.CharField(max_length=8, choices=MatchedBy.choices, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agent_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connector", "agent_id"], name="uniq_user_mapping_agent"
            )
        ]
        indexes = [models.Index(fields=["tenant", "agent_email"])]

    @property
    def match_email(self) -> str:
        return (self.crm_email or self.agent_email).strip().lower()
