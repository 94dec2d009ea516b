"""Agent status (issue 15): one small row per agent (AgentStatus), fed by the CRMs and platforms
that report a change and pushed to the enabled platforms that take it (base.AGENT_STATUS:
UIS `update.employees` with `calls_available`)."""

import logging

from django.utils import timezone

from connectors.errors import ConnectorError
from platforms import base
from platforms.models import AgentStatus, ContactCenterAccount
from platforms.registry import kinds_with, platform_for
from platforms.types import AGENT_STATUSES

log = logging.getLogger(__name__)


def record(tenant, agent_id: str, status: str, source: str) -> AgentStatus:
    """Store the agent's status; `since` moves only when the status changes."""
    if status not in AGENT_STATUSES:
        raise ValueError(f"status must be one of {', '.join(AGENT_STATUSES)}")
    row = AgentStatus.objects.for_tenant(tenant).filter(agent_id=agent_id).first()
    if row is None:
        row = AgentStatus(tenant=tenant, agent_id=agent_id)
    if row.status != status:
        row.status, row.since = status, timezone.now()
    row.source = source[:64]
    row.save()
    return row


def push(tenant, agent_id: str, status: str) -> list[str]:
    """Tell every enabled platform that takes agent status; the errors (what to fix)."""
    errors = []
    accounts = ContactCenterAccount.objects.for_tenant(tenant).filter(
        enabled=True, kind__in=kinds_with(base.AGENT_STATUS)
    )
    for account in accounts.order_by("pk"):
        try:
            platform_for(account).set_agent_status(agent_id, status)
        except ConnectorError as exc:
            log.warning("agent status to %s failed: %s", account.pk, exc)
            errors.append(f"{account.name}: {exc}")
    return errors


def change(tenant, agent_id: str, status: str, source: str) -> tuple[AgentStatus, list[str]]:
    return record(tenant, agent_id, status, source), push(tenant, agent_id, status)


def statuses(tenant, agent_ids) -> dict[str, AgentStatus]:
    rows = AgentStatus.objects.for_tenant(tenant).filter(agent_id__in=list(agent_ids))
    return {row.agent_id: row for row in rows}
