"""The audit log of contact-center accounts (as connectors.services.record_audit for CRMs)."""

from platforms.models import PlatformAuditEntry


def actor_name(actor) -> str:
    return str(getattr(actor, "email", "") or actor or "system")[:200]


def record(account, actor, action: str, changes: dict | None = None) -> PlatformAuditEntry:
    return PlatformAuditEntry.objects.create(
        tenant_id=account.tenant_id,
        account=account if account.pk else None,
        account_name=account.name,
        actor=actor_name(actor),
        action=action,
        changes=changes or {},
    )
