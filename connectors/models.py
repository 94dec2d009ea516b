import json

from django.db import connection, models
from django.utils import timezone

from connectors import registry
from connectors.registry import KIND_CHOICES
from tenants.fields import EncryptedJSONField
from tenants.scoping import TenantQuerySet, TenantScopedModel


class ConnectorStatus(models.TextChoices):
    UNCONFIGURED = "unconfigured", "Not authorized yet"
    AUTHORIZED = "authorized", "Authorized"
    NEEDS_REAUTH = "needs_reauth", "Needs re-authorization"
    ERROR = "error", "Error"
    DISABLED = "disabled", "Disabled"


class ConnectorAccountQuerySet(TenantQuerySet):
    def usable(self):
        return self.filter(status=ConnectorStatus.AUTHORIZED)


class ConnectorAccount(TenantScopedModel):
    """One tenant's configured CRM account (Sentry's "installation")."""

    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    name = models.CharField(max_length=100)
    settings = models.JSONField(default=dict, blank=True)
    credentials = EncryptedJSONField(default=dict)  # write-only secrets
    token = EncryptedJSONField(default=dict)  # access/refresh tokens from the CRM
    state = models.JSONField(default=dict, blank=True)  # non-secret runtime state (API usage...)
    status = models.CharField(
        max_length=16, choices=ConnectorStatus.choices, default=ConnectorStatus.UNCONFIGURED
    )
    last_error = models.TextField(blank=True, default="")
    authorized_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConnectorAccountQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="uniq_connector_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def connector(self):
        """This account's Installation (the object that talks to the CRM)."""
        return registry.connector_for(self)

    @property
    def provider(self):
        """The static facts and capabilities of this account's CRM kind."""
        return registry.provider(self.kind)

    def secret_flags(self) -> dict[str, bool]:
        """{"password_set": True, ...} for every secret field of this kind."""
        creds = self.credentials or {}
        return {
            f"{name}_set": bool(creds.get(name))
            for name in registry.provider(self.kind).secret_fields()
        }

    def secret_flags_by_name(self) -> dict[str, bool]:
        return {name[: -len("_set")]: flag for name, flag in self.secret_flags().items()}

    def mark_authorized(self) -> None:
        self.status = ConnectorStatus.AUTHORIZED
        self.last_error = ""
        self.authorized_at = timezone.now()
        self.save(update_fields=["status", "last_error", "authorized_at", "token", "updated_at"])
        if "disconnected_at" in (self.state or {}):  # Disconnect's mark: connected again
            self.set_state_key("disconnected_at", None)

    def set_state_key(self, key: str, value) -> None:
        """Set state[key] (None removes it) in the row and here, leaving the other keys as the
        database has them: writers of different keys (Salesforce's api_usage, Disconnect's
        mark) never undo each other."""
        if connection.vendor == "postgresql":
            if value is None:
                change, params = "COALESCE(state, '{}'::jsonb) - %s::text", [key]
            else:
                change = "COALESCE(state, '{}'::jsonb) || jsonb_build_object(%s::text, %s::jsonb)"
                params = [key, json.dumps(value)]
            table = connection.ops.quote_name(self._meta.db_table)
            sql = f"UPDATE {table} SET state = {change} WHERE id = %s"  # noqa: S608 (names only)
            with connection.cursor() as cursor:
                cursor.execute(sql, [*params, self.pk])
        else:  # SQLite serialises writers: read, change, write
            rows = type(self).objects.for_tenant(self.tenant_id).filter(pk=self.pk)
            stored = _with_key(rows.values_list("state", flat=True).first(), key, value)
            rows.update(state=stored)
        self.state = _with_key(self.state, key, value)

    @property
    def disconnected(self) -> bool:
        """An admin clicked Disconnect and nobody has authorized it since."""
        return "disconnected_at" in (self.state or {}) and self.status != ConnectorStatus.AUTHORIZED

    def mark_failed(self, status: str, message: str) -> None:
        self.status = status
        self.last_error = message[:2000]
        self.save(update_fields=["status", "last_error", "updated_at"])


class ConnectorAuditEntry(TenantScopedModel):
    """Who changed what on a connector, when. Secrets appear as "changed", never their value."""

    connector = models.ForeignKey(
        ConnectorAccount, null=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    connector_name = models.CharField(max_length=100)
    actor = models.CharField(max_length=200)
    action = models.CharField(max_length=32)  # created | updated | deleted | authorized | ...
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]


def _with_key(state, key: str, value) -> dict:
    """A copy of a state dict with key set to value (None: without key)."""
    state = dict(state or {})
    if value is None:
        state.pop(key, None)
    else:
        state[key] = value
    return state
