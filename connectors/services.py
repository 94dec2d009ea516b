"""Workflows on connector accounts that span models: configuration with audit, notifications."""

import logging

from django.core.mail import send_mail
from django.db import transaction

from connectors.models import ConnectorAccount, ConnectorAuditEntry, ConnectorStatus
from connectors.registry import connector_class
from tenants.models import Membership, Role

log = logging.getLogger(__name__)


def actor_name(actor) -> str:
    return str(getattr(actor, "email", "") or actor) if actor else "system"


def record_audit(account: ConnectorAccount, actor, action: str, changes: dict | None = None):
    return ConnectorAuditEntry.objects.create(
        tenant_id=account.tenant_id,
        connector=account if account.pk else None,
        connector_name=account.name,
        actor=actor_name(actor),
        action=action,
        changes=changes or {},
    )


@transaction.atomic
def save_account(
    account: ConnectorAccount,
    *,
    actor,
    name: str | None = None,
    settings: dict | None = None,
    credentials: dict | None = None,
) -> ConnectorAccount:
    """Create or update an account from validated values, recording what changed.

    `settings` replaces the listed keys; `credentials` replaces only the secrets given.
    Secrets are audited as "changed", never with their value. Changing how the connector
    logs in drops the cached token and asks for Authorize again.
    """
    creating = account.pk is None
    changes: dict = {}
    if name is not None and name != account.name:
        changes["name"] = {"from": account.name, "to": name}
        account.name = name
    new_settings = dict(account.settings or {})
    for key, value in (settings or {}).items():
        if new_settings.get(key) != value:
            changes[key] = {"from": new_settings.get(key), "to": value}
            new_settings[key] = value
    account.settings = new_settings
    new_creds = dict({} if creating else account.credentials or {})
    secret_names = connector_class(account.kind).secret_fields()
    for key, value in (credentials or {}).items():
        if key in secret_names and value and new_creds.get(key) != value:
            changes[key] = "changed"
            new_creds[key] = value
    account.credentials = new_creds
    login_changed = any(k != "name" for k in changes)
    if login_changed and not creating:
        account.token = {}
        if account.status == ConnectorStatus.AUTHORIZED:
            account.status = ConnectorStatus.UNCONFIGURED
    account.save()
    if creating or changes:
        record_audit(account, actor, "created" if creating else "updated", changes)
    return account


@transaction.atomic
def delete_account(account: ConnectorAccount, *, actor) -> None:
    record_audit(account, actor, "deleted")
    account.delete()


def notify_admins(account: ConnectorAccount, subject: str, message: str) -> None:
    """Email the tenant's admins (the Integrations page also shows the status and last error)."""
    emails = list(
        Membership.objects.filter(tenant_id=account.tenant_id, role=Role.ADMIN)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not emails:
        return
    try:
        send_mail(subject, f"{message}\n\nOpen Integrations and click Authorize.", None, emails)
    except Exception:  # a mail outage must not break the caller
        log.exception("could not email admins of tenant %s", account.tenant_id)
