from datetime import timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower, Substr, Upper

from portal.phones import matches, normalize, significant, tail
from tenants.scoping import TenantQuerySet, TenantScopedModel


class ContactQuerySet(TenantQuerySet):
    MAX_CANDIDATES = 50

    def by_phone(self, phone: str, region: str):
        """Contacts with a number equal to `phone` in E.164, else matching its trailing digits.

        One indexed query on ContactPhone (e164 = X OR tail = Y, both with the tenant id so the
        (tenant, e164) / (tenant, tail) indexes apply) picks a few candidates; tail candidates
        are confirmed in Python with phones.matches(). Returns a queryset of those contacts.
        """
        e164 = normalize(phone, region)
        key = tail(e164 or phone)
        if not e164 and not key:
            return self.none()
        tenant_ids = self._tenant_ids()
        cond = models.Q(e164=e164) if e164 else models.Q()
        if key:
            cond |= models.Q(tail=key)
        phones = ContactPhone.objects.filter(cond)
        if tenant_ids is not None:
            phones = phones.filter(tenant_id__in=tenant_ids)
        else:  # limited to this queryset's contacts: as scoped as the queryset itself
            self._require_scope("by_phone")
            phones = phones.unscoped().filter(contact__in=self.values("pk"))
        rows = list(phones.values_list("contact_id", "raw", "e164")[: self.MAX_CANDIDATES * 4])
        exact = {cid for cid, _raw, stored in rows if e164 and stored == e164}
        ids = exact or {cid for cid, raw, stored in rows if matches(raw, stored, phone, e164)}
        return self.filter(pk__in=sorted(ids)[: self.MAX_CANDIDATES]) if ids else self.none()

    def _tenant_ids(self):
        """The tenant ids this queryset is limited to (from for_tenant), else None."""
        for child in self.query.where.children:
            lhs = getattr(child, "lhs", None)
            if getattr(child, "lookup_name", "") not in ("exact", "in"):
                continue
            if getattr(getattr(lhs, "target", None), "attname", "") == "tenant_id":
                rhs = child.rhs
                return list(rhs) if isinstance(rhs, list | tuple | set) else [rhs]
        return None

    def search(self, q: str, region: str):
        """The contacts list's search box: a phone in any format, an email, or a name."""
        words = search_words(q)
        if words is None:
            return self.by_phone(clean_search(q), region)
        if not words:
            return self
        # Each word in the name, email or account (the four joined by spaces: a word has none,
        # so it is inside one of them). More words: one LIKE per word on the four, served on
        # PostgreSQL by a trigram index on exactly that text (migration 0008). One word: at
        # the start of the last name or anywhere in the rest (first name, last name from its
        # second letter, email, account), the same rows, read by contacts.search.NameSearch
        # from the queryset before the search (while nothing else filtered the result).
        if len(words) > 1:
            cond = models.Q()
            for word in words:
                cond &= models.Q(search_text__icontains=word)
            return self.annotate(search_text=search_text()).filter(cond)
        (word,) = words
        searched = searchable(self).filter(
            starts_last_name(word) | models.Q(search_rest__icontains=word)
        )
        searched.query.name_search = (words, self, len(searched.query.where.children))
        return searched


def searchable(qs):
    """`qs` with the searched expressions: search_last (UPPER(last_name) in byte order) and
    search_rest (first name, last name from its second letter, email, account)."""
    return qs.annotate(search_last=LastNameKey("last_name"), search_rest=rest_text())


def starts_last_name(word: str) -> models.Q:
    """search_last starts with the word (upper-cased by the database, as icontains does)."""
    return models.Q(search_last__startswith=Upper(models.Value(word)))


def clean_search(q: str) -> str:
    return (q or "").replace("\x00", "").strip()[:100]


def search_words(q: str) -> list[str] | None:
    """The search box's words (at most 3; none: no search), or None for a phone number."""
    q = clean_search(q)
    if len(significant(q)) >= 6 and not any(ch.isalpha() for ch in q):
        return None
    return q.split()[:3]


class LastNameKey(models.Func):
    """UPPER(last_name), compared byte by byte (COLLATE "C" on PostgreSQL): `LIKE 'WORD%'` on
    it is a range of the contact_last_prefix index (migration 0012) in any database collation,
    and its rows with one value are in list order there."""

    function = "UPPER"
    output_field = models.TextField()

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = self.as_sql(compiler, connection, **extra)
        return f'({sql} COLLATE "C")', params


class SearchText(models.Func):
    """Texts joined by spaces: first_name, last_name, email and account (search_text), or the
    rest after a last name's first letter (rest_text). SQL: ("first_name" || ' ' || ...); the
    columns are NOT NULL, so no COALESCE: the PostgreSQL trigram indexes (contact_search_trgm,
    migration 0008; contact_search_rest_trgm, 0012) are on UPPER() of exactly these texts."""

    arg_joiner = " || ' ' || "
    template = "(%(expressions)s)"
    output_field = models.TextField()


def search_text():
    return SearchText("first_name", "last_name", "email", "account")


def rest_text():
    return SearchText("first_name", Substr(Upper("last_name"), 2), "email", "account")


class RecordType(models.TextChoices):
    """The CRM object a record came from (connectors.types.RECORD_TYPES)."""

    CONTACT = "contact", "Contact"
    LEAD = "lead", "Lead"
    ACCOUNT = "account", "Account"


class Contact(TenantScopedModel):
    """A CRM record (contact, lead or account) imported into the local store (the CRM stays
    the master). `type` says which CRM object; "contacts" in code means all three."""

    connector = models.ForeignKey(
        "connectors.ConnectorAccount", on_delete=models.CASCADE, related_name="contacts"
    )
    type = models.CharField(max_length=8, choices=RecordType.choices, default=RecordType.CONTACT)
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
    # Id of the sync job that last saw the contact in the CRM (mark & sweep for deletes).
    seen_mark = models.BigIntegerField(default=0)
    # When it was last pushed to the contact center; NULL = changed since (push pending).
    pushed_at = models.DateTimeField(null=True, blank=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connector", "type", "crm_id"], name="uniq_contact_type_crm_id"
            )
        ]
        indexes = [
            # `?email=` (iexact: UPPER(email) = UPPER(%s)). No plain (tenant, email) index: no
            # query compares the e-mail exactly, and each e-mail index is a random-order B-tree
            # the import maintains per row (~150 MB at 1M contacts; migration 0011).
            models.Index(
                models.F("tenant"), models.functions.Upper("email"), name="contact_email_ci"
            ),
            # The list's keyset order (last_name, first_name, id), alone and per filter.
            models.Index(
                fields=["tenant", "type", "last_name", "first_name", "id"], name="contact_type_name"
            ),
            models.Index(fields=["tenant", "last_name", "first_name", "id"], name="contact_name"),
            models.Index(
                fields=["tenant", "connector", "last_name", "first_name", "id"],
                name="contact_connector_name",
            ),
            # Interactions' e-mail matching: lower(email) IN (...) per connector
            # (contacts.batch_lookup.stored_email_matches).
            models.Index(models.F("connector"), Lower("email"), name="contact_email_lower"),
            models.Index(
                fields=["tenant", "id"],
                condition=models.Q(pushed_at__isnull=True),
                name="contact_push_pending",
            ),
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
    # False: not a valid number in the region it was normalised with (a UK national number in a
    # CZ store): the E.164 may be wrong, the number is still found by its trailing digits.
    valid = models.BooleanField(default=True)

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


class ContactSyncSettings(TenantScopedModel):
    """Per-connector contact import schedule and state (high-water mark, last full/reconcile)."""

    connector = models.OneToOneField(
        "connectors.ConnectorAccount", on_delete=models.CASCADE, related_name="contact_sync"
    )
    enabled = models.BooleanField(default=True, help_text="Run on the schedule below")
    interval_minutes = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)]
    )
    reconcile_hours = models.PositiveIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text="How often the full list of CRM ids is compared to find deleted contacts",
    )
    # The newest CRM modified time imported, of any record type (a summary for the pages).
    high_water_mark = models.DateTimeField(null=True, blank=True)
    # Per record type ("contact", "lead", "account"): the ISO high-water mark the next
    # incremental read of that type starts from. A type without one is read in full (a type
    # newly added to the matching policy's objects).
    high_water_marks = models.JSONField(default=dict, blank=True)
    full_sync_requested = models.BooleanField(default=False)
    last_full_sync_at = models.DateTimeField(null=True, blank=True)
    last_reconciled_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"contact sync of {self.connector_id}"

    @classmethod
    def for_connector(cls, account) -> "ContactSyncSettings":
        rows = cls.objects.for_tenant(account.tenant_id)
        obj, _ = rows.get_or_create(connector=account, defaults={"tenant": account.tenant})
        return obj

    def reconcile_due(self, now) -> bool:
        if self.last_reconciled_at is None:
            return True
        return now - self.last_reconciled_at >= timedelta(hours=self.reconcile_hours)


class MultipleMatches(models.TextChoices):
    MOST_RECENT = "most_recent", "The most recently modified record"
    AGENT_OWNED = "agent_owned", "The record owned by the call's agent"
    NONE = "none", "None (log the call without a link)"


class UnknownCaller(models.TextChoices):
    LOG_UNMATCHED = "log_unmatched", "Log the call without a link"
    CREATE_CONTACT = "create_contact", "Create a contact and link the call"
    CREATE_LEAD = "create_lead", "Create a lead and link the call"
    SKIP = "skip", "Do not log the call"


def default_objects() -> list[str]:
    return [RecordType.CONTACT.value]


class MatchingPolicy(TenantScopedModel):
    """How callers are matched in one CRM (API.md "Caller matching", one per connector)."""

    connector = models.OneToOneField(
        "connectors.ConnectorAccount", on_delete=models.CASCADE, related_name="matching"
    )
    # Record types in order of preference; also which types are imported and searched live.
    objects_order = models.JSONField(default=default_objects, db_column="objects")
    live_lookup = models.BooleanField(default=True)
    live_lookup_timeout_ms = models.PositiveIntegerField(
        default=1500, validators=[MinValueValidator(100), MaxValueValidator(10_000)]
    )
    multiple_matches = models.CharField(
        max_length=16, choices=MultipleMatches.choices, default=MultipleMatches.MOST_RECENT
    )
    unknown_caller = models.CharField(
        max_length=16, choices=UnknownCaller.choices, default=UnknownCaller.LOG_UNMATCHED
    )
    # How long a number the CRM did not know is not asked again (the negative cache).
    negative_cache_seconds = models.PositiveIntegerField(
        default=300, validators=[MinValueValidator(0), MaxValueValidator(24 * 3600)]
    )
    # ISO 3166 region for this CRM's national numbers; "" = the tenant's default_region.
    region = models.CharField(max_length=2, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"caller matching of {self.connector_id}"

    @classmethod
    def for_connector(cls, account) -> "MatchingPolicy":
        """The stored policy, or the defaults (unsaved) when the admin never changed it."""
        row = cls.objects.for_tenant(account.tenant_id).filter(connector=account).first()
        return row or cls(tenant_id=account.tenant_id, connector=account)

    def region_for(self, tenant) -> str:
        return self.region or tenant.default_region


class ContactDeletion(TenantScopedModel):
    """A contact deleted from the store that a contact center may still hold.

    Written by importer.delete_contacts() when the tenant has a contact-center account; the
    push job deletes the contact there and then this row (contacts/push.py); the tenant's last
    contact-center account deleted takes its rows along (contacts/push.py, a post_delete hook).
    """

    connector_id = models.BigIntegerField()  # no FK: the row outlives a deleted connector
    crm_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "id"])]

    def __str__(self) -> str:
        return f"deleted {self.crm_id}"
