"""Numbers for the dashboard: sync outcomes per day and the current backlog."""

from datetime import timedelta

from django.db.models import Count, Min, Sum
from django.utils import timezone

from calls import rollup
from calls.models import CallDay
from delivery.models import SyncRecord, SyncState

BUCKETS = {
    SyncState.SYNCED: "synced",
    SyncState.SKIPPED: "skipped",
    SyncState.FAILED: "failed",
    SyncState.DEAD: "failed",
}


def daily_counts(tenant, days: int = 14) -> list[dict]:
    """[{"day", "synced", "skipped", "failed", "total"}] for the last `days` days (by call
    start), from the daily rollup (calls/rollup.py): a few dozen rows, whatever the volume."""
    today = timezone.now().astimezone(tenant.zone).date()
    first = today - timedelta(days=days - 1)
    rollup.fresh(tenant, first, today)
    rows = (
        CallDay.objects.for_tenant(tenant)
        .filter(day__gte=first, day__lte=today)
        .values("day")
        .annotate(synced=Sum("synced"), skipped=Sum("skipped"), failed=Sum("failed"))
        .order_by()
    )
    table = {
        first + timedelta(days=i): {"synced": 0, "skipped": 0, "failed": 0} for i in range(days)
    }
    for row in rows:
        table[row["day"]] = {k: row[k] for k in ("synced", "skipped", "failed")}
    return [{"day": day, **c, "total": sum(c.values())} for day, c in table.items()]


def backlog(tenant) -> dict:
    qs = SyncRecord.objects.for_tenant(tenant)
    counts = dict(qs.backlog().values("state").annotate(n=Count("id")).values_list("state", "n"))
    oldest = qs.filter(state__in=(SyncState.PENDING, SyncState.RUNNING)).aggregate(
        t=Min("created_at")
    )["t"]
    return {
        "pending": counts.get(SyncState.PENDING, 0) + counts.get(SyncState.RUNNING, 0),
        "failed": counts.get(SyncState.FAILED, 0),
        "dead": counts.get(SyncState.DEAD, 0),
        "oldest_pending_seconds": int((timezone.now() - oldest).total_seconds())
        if oldest
        else None,
    }


COLORS = {"synced": "#2e9d5b", "skipped": "#9aa3ad", "failed": "#d64545"}
CHART_HEIGHT, BAR_WIDTH, SLOT = 180, 44, 60


def chart(days: list[dict]) -> dict:
    """Stacked bars (synced, skipped, failed) as SVG geometry, scaled to the busiest day."""
    top = max([d["total"] for d in days] + [1])
    bars = []
    for i, d in enumerate(days):
        y, segments = CHART_HEIGHT, []
        for name in ("synced", "skipped", "failed"):
            h = round(CHART_HEIGHT * d[name] / top)
            y -= h
            if h:
                segments.append({"name": name, "color": COLORS[name], "y": y, "h": h, "n": d[name]})
        bars.append(
            {
                "x": i * SLOT + (SLOT - BAR_WIDTH) // 2,
                "cx": i * SLOT + SLOT // 2,
                "day": d["day"],
                "segments": segments,
            }
        )
    return {
        "bars": bars,
        "width": len(days) * SLOT,
        "height": CHART_HEIGHT + 24,
        "bar_width": BAR_WIDTH,
        "base": CHART_HEIGHT,
        "top": top,
        "colors": COLORS,
    }
