"""Presentation helpers for the Integrations pages: kinds as cards, statuses, audit changes."""

from dataclasses import dataclass, field

from django import forms
from django.db import models

from connectors import breaker, registry
from connectors.capabilities import Capability
from connectors.models import ConnectorAccount, ConnectorStatus
from connectors.registry import PROVIDERS
from connectors.services import status_hint
from tenants.fields import DecryptionError

# Monogram colours (a styled initial stands in for the vendor's logo, which we do not ship).
BRANDS = {
    "salesforce": ("SF", "#0b7bc1"),
    "dynamics365": ("D", "#1a3d7c"),
    "sugarcrm": ("S", "#b3261e"),
    "retailcrm": ("r", "#5b3fa0"),
}

BADGES = {
    ConnectorStatus.AUTHORIZED: "ok",
    ConnectorStatus.NEEDS_REAUTH: "err",
    ConnectorStatus.ERROR: "err",
    ConnectorStatus.UNCONFIGURED: "muted",
    ConnectorStatus.DISABLED: "muted",
}


@dataclass
class Kind:
    kind: str
    label: str
    description: str = ""
    monogram: str = "?"
    color: str = "#666"
    # What the provider declares (templates ask `kind.can.web_flow`; the card lists them).
    capabilities: frozenset = frozenset()
    available: bool = True  # False while the kind's package cannot be imported
    accounts: list = field(default_factory=list)

    @property
    def can(self) -> dict[str, bool]:
        return {str(c): c in self.capabilities for c in Capability}

    @property
    def capability_labels(self) -> list[str]:
        return [c.label for c in Capability if c in self.capabilities]


def kind_info(kind: str) -> Kind:
    label = PROVIDERS[kind][0]
    monogram, color = BRANDS.get(kind, (label[:1].upper(), "#555"))
    try:
        provider = registry.provider(kind)
    except ImportError:
        return Kind(kind, label, "", monogram, color, available=False)
    return Kind(
        kind,
        provider.label or label,
        provider.description,
        monogram,
        color,
        capabilities=provider.capabilities,
    )


def kinds_with_accounts(tenant) -> list[Kind]:
    kinds = {kind: kind_info(kind) for kind in PROVIDERS}
    for account in ConnectorAccount.objects.for_tenant(tenant).order_by("name"):
        if account.kind in kinds:
            kinds[account.kind].accounts.append(decorate(account))
    return list(kinds.values())


def decorate(account: ConnectorAccount) -> ConnectorAccount:
    """Attach what templates show: badge class, hint, API usage."""
    account.badge = BADGES.get(account.status, "muted")
    account.hint = status_hint(account)
    account.api_usage = api_usage(account.state or {})
    account.pause = breaker.describe(account)  # deliveries paused by the circuit breaker
    try:
        account.has_token = bool((account.token or {}).get("access_token"))
    except DecryptionError:  # e.g. keys rotated wrongly: show the page, Authorize fixes it
        account.has_token = False
    return account


def api_usage(state: dict) -> dict | None:
    """{"used", "limit", "percent"} from state["api_usage"] (dict or "api-usage=N/M")."""
    usage = state.get("api_usage")
    used = limit = None
    if isinstance(usage, dict):
        used, limit = usage.get("used"), usage.get("limit")
    elif isinstance(usage, str) and "/" in usage:
        used, _, limit = usage.rpartition("=")[2].partition("/")
    try:
        used, limit = int(used), int(limit)
    except (TypeError, ValueError):
        return None
    percent = round(100 * used / limit) if limit else 0
    return {"used": used, "limit": limit, "percent": min(percent, 100)}


def describe_info(info: dict) -> str:
    """The test call's findings as one readable line ("user: a@b.c, org: Acme")."""
    parts = [
        f"{str(key).replace('_', ' ')}: {value}"
        for key, value in (info or {}).items()
        if isinstance(value, str | int | float)
        and not isinstance(value, bool)
        and value != ""
        and not str(key).endswith("_id")
    ]
    return ", ".join(parts)


def field_labels(kind: str) -> dict[str, str]:
    try:
        fields = registry.provider(kind).form_class.base_fields
    except (ImportError, LookupError):
        return {}
    return {name: str(f.label or name) for name, f in fields.items()}


ACTIONS = {
    "created": ("Created", "ok"),
    "updated": ("Settings changed", ""),
    "authorized": ("Authorized", "ok"),
    "authorize_failed": ("Authorize failed", "err"),
    "disconnected": ("Disconnected", "warn"),
    "disabled": ("Disabled", "muted"),
    "enabled": ("Enabled", "ok"),
    "deleted": ("Deleted", "err"),
}


def decorate_entry(entry, kind: str):
    entry.label, entry.badge = ACTIONS.get(entry.action, (entry.action.replace("_", " "), ""))
    entry.lines = describe_changes(kind, entry.changes, created=entry.action == "created")
    return entry


def mark_secret_fields(form) -> None:
    """Flag secret fields for the template: write-only, and whether a value is stored."""
    for name in form.secret_fields:
        field = form.fields[name]
        field.write_only = True
        field.secret_set = bool(form.secrets_set.get(name))
        if field.secret_set:
            field.widget.attrs["placeholder"] = "••••••••"


def describe_changes(kind: str, changes: dict, created: bool = False) -> list[str]:
    """Audit changes as sentences, in the form's field order; secrets only ever "changed"."""
    labels = {"name": "Name", **field_labels(kind), "crm": "CRM"}  # crm: what Disconnect undid
    order = {key: i for i, key in enumerate(labels)}
    lines = []
    for key in sorted(changes or {}, key=lambda k: order.get(k, len(order))):
        change = changes[key]
        label = labels.get(key, str(key).replace("_", " ").capitalize())
        if isinstance(change, dict) and set(change) == {"from", "to"}:
            after = change["to"] if change["to"] not in (None, "") else "(empty)"
            if created or change["from"] is None:
                if change["to"] not in (None, ""):  # blank fields of a new account: noise
                    lines.append(f"{label}: {after}")
            else:
                before = change["from"] if change["from"] != "" else "(empty)"
                lines.append(f"{label}: {before} → {after}")
        elif key == "flow":
            how = (
                "through the CRM's login page" if change == "web" else "with the stored credentials"
            )
            lines.append(f"Logged in {how} and made a test call")
        else:
            lines.append(f"{label}: {change}")
    return lines


def deletion_summary(account: ConnectorAccount) -> list[str]:
    """What deleting the account takes with it ("120 contacts", ...), one level deep."""
    lines = []
    for rel in account._meta.related_objects:
        if rel.on_delete is not models.CASCADE or rel.many_to_many:
            continue
        if rel.one_to_one:  # the account's own settings rows ("with its settings" says so)
            continue
        count = rel.related_model._base_manager.filter(**{rel.field.name: account}).count()
        if count:
            meta = rel.related_model._meta
            lines.append(f"{count} {meta.verbose_name if count == 1 else meta.verbose_name_plural}")
    return lines


class AccountNameForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="How this account is called in the portal, e.g. 'Sales org'.",
    )

    def __init__(self, *args, tenant, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant, self.instance = tenant, instance

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = ConnectorAccount.objects.for_tenant(self.tenant).filter(name=name)
        if self.instance is not None and self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("Another connector already has this name.")
        return name
