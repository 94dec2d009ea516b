"""The Overview's health card: per connector its status, dead deliveries, oldest pending
delivery and last contact sync, each with the page where it is fixed. A few grouped queries
for one tenant (the outbox's (tenant, state) index serves them)."""

from dataclasses import dataclass, field

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone

from connectors.models import ConnectorAccount, ConnectorStatus
from delivery.models import OPEN_STATES, SyncRecord, SyncState
from jobs.models import JobStatus
from operations.conditions import last_contact_syncs
from operations.models import AlertState

BAD_STATUSES = (ConnectorStatus.NEEDS_REAUTH, ConnectorStatus.ERROR)


@dataclass
class ConnectorHealth:
    account: ConnectorAccount
    problems: list[str] = field(default_factory=list)
    dead: int = 0
    open: int = 0
    oldest_minutes: int | None = None
    last_sync_status: str | None = None
    last_sync_at: object = None
    fix_url: str = ""
    dead_url: str = ""
    backlog_url: str = ""
    sync_url: str = ""


def tenant_health(tenant) -> dict:
    now = timezone.now()
    accounts = last_contact_syncs(ConnectorAccount.objects.for_tenant(tenant)).exclude(
        status=ConnectorStatus.DISABLED
    )
    outbox = SyncRecord.objects.for_tenant(tenant)
    dead = dict(
        outbox.filter(state=SyncState.DEAD)
        .values_list("connector_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    pending = {
        row["connector_id"]: row
        for row in outbox.filter(state__in=OPEN_STATES)
        .values("connector_id")
        .annotate(oldest=Min("created_at"), n=Count("id"))
        .order_by()
    }
    alerts = set(
        AlertState.objects.for_tenant(tenant)
        .filter(active=True)
        .values_list("connector_id", "condition")
    )
    calls_url, sync_url = reverse("calls:index"), reverse("contacts:sync")
    rows = []
    for account in accounts:
        item = ConnectorHealth(account=account)
        item.fix_url = reverse("connectors:configure", args=[account.pk])
        if account.status in BAD_STATUSES:
            item.problems.append(account.get_status_display())
        item.dead = dead.get(account.pk, 0)
        item.dead_url = f"{calls_url}?sync_state=dead&connector={account.pk}"
        if item.dead:
            item.problems.append(f"{item.dead} dead")
        if account.pk in pending:
            item.open = pending[account.pk]["n"]
            item.oldest_minutes = int((now - pending[account.pk]["oldest"]).total_seconds() // 60)
        item.backlog_url = reverse("calls:dashboard")
        if (account.pk, "backlog") in alerts:
            item.problems.append("backlog")
        item.last_sync_status = account.last_sync_status
        item.last_sync_at = account.last_sync_at
        item.sync_url = sync_url
        if account.last_sync_status == JobStatus.FAILED:
            item.problems.append("contact sync failed")
        rows.append(item)
    oldest = [r.oldest_minutes for r in rows if r.oldest_minutes is not None]
    return {
        "rows": rows,
        "ok": not any(r.problems for r in rows),
        "dead_total": sum(r.dead for r in rows),
        "oldest_minutes": max(oldest) if oldest else None,
        "attention": sum(1 for r in rows if r.problems),
    }
