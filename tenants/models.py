import hashlib
import re
import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from tenants.patterns import pattern_problem


def validate_region(value: str) -> None:
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(f"Unknown phone region {value!r}: use a two-letter code such as CZ.")


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(
            f"Unknown time zone {value!r}: use an IANA name such as Europe/Prague."
        )


def validate_regex(value: str) -> None:
    """Checked with RE2, the engine it runs with (tenants/patterns.py): linear time only."""
    if problem := pattern_problem(value):
        raise ValidationError(problem)


ORIGIN_RE = re.compile(r"^https?://(\*\.)?[a-z0-9.-]+(:\d{1,5})?$", re.IGNORECASE)


def validate_origins(value) -> None:
    if not isinstance(value, list):
        raise ValidationError("Give a list of origins such as https://crm.example.com.")
    for origin in value:
        if not isinstance(origin, str) or not ORIGIN_RE.match(origin):
            raise ValidationError(
                f"{origin!r} is not an origin: use scheme://host[:port], e.g. https://crm.example.com."
            )


class Tenant(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    active = models.BooleanField(default=True)
    default_region = models.CharField(max_length=2, default="CZ", validators=[validate_region])
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    dnis_regex = models.CharField(
        max_length=200, blank=True, default="D:(.+?):", validators=[validate_regex]
    )
    frame_ancestors = models.JSONField(default=list, blank=True, validators=[validate_origins])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        """The tenant's time zone (Settings page) for showing and reading times; UTC when the
        stored name is empty or unknown (written around validation, or dropped from tzdata)."""
        try:
            return ZoneInfo(self.time_zone or "UTC")
        except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
            return ZoneInfo("UTC")


class Role(models.TextChoices):
    ADMIN = "admin", "Admin (configures)"
    SUPPORT = "support", "Support (audits and retries)"
    VIEWER = "viewer", "Viewer (reads)"


ROLE_RANK = {Role.VIEWER: 1, Role.SUPPORT: 2, Role.ADMIN: 3}


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="uniq_membership")]
        ordering = ["tenant__name"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant} ({self.role})"

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


KEY_PREFIX = "cck_"


def hash_key(raw: str) -> str:
    # Keys are 256-bit random strings, so a plain SHA-256 is enough (no salt/stretching needed).
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, tenant__active=True)


class ApiKey(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="First characters, to recognise the key")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, tenant: Tenant, name: str, created_by=None) -> tuple["ApiKey", str]:
        """Create a key; the raw value is returned once and never stored."""
        raw = KEY_PREFIX + secrets.token_urlsafe(32)
        key = cls.objects.create(
            tenant=tenant, name=name, prefix=raw[:12], key_hash=hash_key(raw), created_by=created_by
        )
        return key, raw

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def revoke(self) -> None:
        if not self.revoked_at:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def touch(self) -> bool:
        """Record use, at most once a minute (no write per request on a hot endpoint); True
        when it wrote."""
        now = timezone.now()
        if self.last_used_at is None or now - self.last_used_at > timedelta(minutes=1):
            ApiKey.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now
            return True
        return False


INVITATION_DAYS = 7


class Invitation(models.Model):
    """An e-mail invitation to join a tenant with a role (tenants/members.py).

    The link carries a random token; only its SHA-256 is stored. One use, INVITATION_DAYS long.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.email} -> {self.tenant} ({self.role})"

    @property
    def pending(self) -> bool:
        return not self.accepted_at and not self.revoked_at and self.expires_at > timezone.now()
