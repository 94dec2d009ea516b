"""What is wrong right now, per connector, read from the database (nothing in the hot paths
reports anything: the beat task looks at the rows the pipeline already keeps).

`current(now)` answers {(tenant_id, connector_id, condition): detail} across every tenant in a
handful of grouped queries (the outbox indexes on state serve them), so one evaluation costs
the same for 2 tenants as for 200.
"""

from django.db.models import Count, Min, OuterRef, Subquery

from connectors.models import ConnectorAccount, ConnectorStatus
from delivery.models import OPEN_STATES, SyncRecord, SyncState
from jobs.models import Job, JobStatus
from operations.models import Condition, NotificationSettings

CONTACT_SYNC = "contact_sync"
DEFAULT_BACKLOG_MINUTES = NotificationSettings._meta.get_field("backlog_minutes").default


def _connectors() -> dict[int, tuple[int, str]]:
    """connector id -> (tenant id, status) of every connector that is not disabled."""
    rows = ConnectorAccount.objects.unscoped().exclude(status=ConnectorStatus.DISABLED)
    return {
        pk: (tenant_id, status)
        for pk, tenant_id, status in rows.values_list("pk", "tenant_id", "status")
    }


def last_contact_syncs(queryset):
    """The connectors annotated with their latest finished contact sync's status and time."""
    finished = Job.objects.unscoped().filter(
        connector=OuterRef("pk"),
        kind=CONTACT_SYNC,
        status__in=(JobStatus.SUCCEEDED, JobStatus.FAILED),
    )
    latest = finished.order_by("-finished_at", "-id")
    return queryset.annotate(
        last_sync_status=Subquery(latest.values("status")[:1]),
        last_sync_at=Subquery(latest.values("finished_at")[:1]),
        last_sync_error=Subquery(latest.values("error")[:1]),
        last_sync_job=Subquery(latest.values("pk")[:1]),
    )


def current(now) -> dict[tuple[int, int, str], dict]:
    connectors = _connectors()
    found: dict[tuple[int, int, str], dict] = {}

    def add(connector_id, condition, detail):
        if connector_id in connectors:
            tenant_id = connectors[connector_id][0]
            found[(tenant_id, connector_id, condition)] = detail

    for pk, (_tenant_id, status) in connectors.items():
        if status == ConnectorStatus.NEEDS_REAUTH:
            add(pk, Condition.NEEDS_REAUTH, {"status": status})

    outbox = SyncRecord.objects.unscoped()
    dead = outbox.filter(state=SyncState.DEAD).values("connector_id").annotate(n=Count("id"))
    for row in dead.order_by():
        add(row["connector_id"], Condition.DEAD_DELIVERY, {"dead": row["n"]})

    thresholds = dict(
        NotificationSettings.objects.unscoped().values_list("tenant_id", "backlog_minutes")
    )
    open_rows = outbox.filter(state__in=OPEN_STATES).values("connector_id")
    for row in open_rows.annotate(oldest=Min("created_at"), n=Count("id")).order_by():
        tenant = connectors.get(row["connector_id"], (None,))[0]
        minutes = thresholds.get(tenant, DEFAULT_BACKLOG_MINUTES)
        age = (now - row["oldest"]).total_seconds()
        if age > minutes * 60:
            add(
                row["connector_id"],
                Condition.BACKLOG,
                {"oldest_minutes": int(age // 60), "threshold_minutes": minutes, "open": row["n"]},
            )

    accounts = last_contact_syncs(ConnectorAccount.objects.unscoped().filter(pk__in=connectors))
    for pk, status, job in accounts.values_list("pk", "last_sync_status", "last_sync_job"):
        if status == JobStatus.FAILED:
            add(pk, Condition.CONTACT_SYNC_FAILED, {"job": job})
    return found
