"""The dashboard's daily rollup (CallDay), kept up to date without a lock on the hot path.

- Decided: `decided(tenant, records)` (one line in calls.decisions.decide_calls) adds the new
  call logs to their day after the fold commits (skipped ones to `skipped`, queued ones to
  `open`), each row updated by one short UPDATE outside the fold's transaction.
- Delivered: the outbox moves rows from open to synced / failed / dead without telling
  anyone, so `recount_open()` (beat, every ROLLUP_SECONDS) counts again every day that still
  has open rows, and every day a currently open call log belongs to (a retried dead one).
- Backfill: `python manage.py rollup_calls` counts every day of every tenant (`recount`).

A count and an increment racing each other may count a decision twice until its day is
counted again (days with queued rows are; skips rarely race a count, at decision time only).
"""

import logging
from collections import Counter
from datetime import UTC, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from calls.call_logs import CALL_LOG
from calls.models import CallDay
from delivery.models import OPEN_STATES, SyncRecord, SyncState
from tenants.models import Tenant

log = logging.getLogger(__name__)

ROLLUP_SECONDS = 30.0
COLUMN = {
    SyncState.SYNCED: "synced",
    SyncState.SKIPPED: "skipped",
    SyncState.FAILED: "failed",
    SyncState.DEAD: "failed",
}


def decided(tenant, records) -> None:
    """Count freshly decided call logs once the decision commits."""
    deltas: Counter = Counter()
    tz = tenant.zone
    for r in records:
        if r.kind != CALL_LOG or r.call is None or r.call.started_at is None:
            continue
        day = r.call.started_at.astimezone(tz).date()
        column = "skipped" if r.state == SyncState.SKIPPED else "open"
        deltas[(day, r.connector_id, column)] += 1
    if deltas:
        transaction.on_commit(lambda: _add(tenant.pk, deltas), robust=True)


def _add(tenant_id: int, deltas: Counter) -> None:
    for (day, connector_id, column), n in sorted(deltas.items()):
        rows = CallDay.objects.for_tenant(tenant_id).filter(day=day, connector_id=connector_id)
        if rows.update(**{column: F(column) + n}):
            continue
        try:
            with transaction.atomic():
                CallDay.objects.create(
                    tenant_id=tenant_id, day=day, connector_id=connector_id, **{column: n}
                )
        except IntegrityError:  # created meanwhile by another decider
            rows.update(**{column: F(column) + n})


def _bounds(tenant, first, last):
    tz = tenant.zone
    start = datetime.combine(first, time.min).replace(tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time.min).replace(tzinfo=tz)
    return start, end


def recount(tenant, first=None, last=None) -> int:
    """Count the tenant's call logs of the days first..last (None: all of them) again."""
    records = SyncRecord.objects.for_tenant(tenant).filter(
        kind=CALL_LOG, call__started_at__isnull=False
    )
    days = CallDay.objects.for_tenant(tenant)
    if first is not None:
        start, end = _bounds(tenant, first, last or first)
        records = records.filter(call__started_at__gte=start, call__started_at__lt=end)
        days = days.filter(day__gte=first, day__lte=last or first)
    counted = (
        records.annotate(day=TruncDate("call__started_at", tzinfo=tenant.zone))
        .values_list("day", "connector_id", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    table: dict = {}
    for day, connector_id, state, n in counted:
        row = table.setdefault((day, connector_id), Counter())
        if state in COLUMN:
            row[COLUMN[state]] += n
        if state in OPEN_STATES:
            row["open"] += n
    now = timezone.now()
    with transaction.atomic():
        days.delete()
        CallDay.objects.bulk_create(
            [
                CallDay(
                    tenant_id=tenant.pk,
                    day=day,
                    connector_id=connector_id,
                    counted_at=now,
                    **{k: c[k] for k in ("synced", "skipped", "failed", "open")},
                )
                for (day, connector_id), c in table.items()
            ],
            batch_size=1000,
        )
    return len(table)


def recount_open() -> int:
    """Count again the days whose call logs may have moved since (see the module docstring)."""
    wanted: dict[int, set] = {}
    for tenant_id, day in (
        CallDay.objects.unscoped().filter(open__gt=0).values_list("tenant_id", "day")
    ):
        wanted.setdefault(tenant_id, set()).add(day)
    hours = (
        SyncRecord.objects.unscoped()
        .filter(kind=CALL_LOG, state__in=OPEN_STATES, call__started_at__isnull=False)
        .annotate(hour=TruncHour("call__started_at", tzinfo=UTC))
        .values_list("tenant_id", "hour")
        .distinct()
    )
    tenants = {t.pk: t for t in Tenant.objects.filter(pk__in={t for t, _h in hours} | set(wanted))}
    for tenant_id, hour in hours:
        tz = tenants[tenant_id].zone
        for moment in (hour, hour + timedelta(minutes=59)):
            wanted.setdefault(tenant_id, set()).add(moment.astimezone(tz).date())
    n = 0
    for tenant_id, days in wanted.items():
        for day in sorted(days):
            n += recount(tenants[tenant_id], day, day)
    return n


def fresh(tenant, first, last) -> None:
    """Before the dashboard reads first..last: count again its days with open rows not counted
    for ROLLUP_SECONDS (the beat's recount_open usually did; without a beat, the page does)."""
    stale = timezone.now() - timedelta(seconds=ROLLUP_SECONDS)
    days = sorted(
        CallDay.objects.for_tenant(tenant)
        .filter(day__gte=first, day__lte=last, open__gt=0)
        .exclude(counted_at__gte=stale)
        .values_list("day", flat=True)
        .distinct()
    )
    if days:
        recount(tenant, days[0], days[-1])
