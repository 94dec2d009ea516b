"""Which connector may deliver now: its circuit breaker and the per-connector in-flight cap.

`admit()` runs inside the claim's transaction. It locks the connector's row (SKIP LOCKED: a
connector whose row is busy, e.g. another claim or a token refresh, is simply skipped; the
holder re-kicks delivery), so the count of batches in flight and the claim that follows are
one decision. A batch in flight = one live lease (rows running, lease not expired), so a killed
worker stops counting when its lease expires. The cap keeps one connector from occupying more
than DELIVERY_MAX_IN_FLIGHT_PER_CONNECTOR worker slots, whatever its backlog.

Many slow CRMs at once (issue 18: 50 tenants' CRMs at 2 s a request) would still fill every
slot with a per-connector cap alone. So a connector whose last batch took longer than
DELIVERY_SLOW_BATCH_SECONDS is marked slow (`state["pace"] = {"slow_until": epoch}`, for
DELIVERY_SLOW_MARK_SECONDS, cleared by its next quick batch), and all slow connectors together
hold at most DELIVERY_MAX_SLOW_IN_FLIGHT batches: a slow claim over that share returns nothing
at once and the sweeper rings the connector again; the other slots stay free for the rest.
The slow count is taken under one advisory transaction lock on PostgreSQL (slow claims only),
so two slow claims never both take the last place.

Lanes (issue 18): the realtime slots serve connectors of known, quick pace only. A connector
whose breaker is half-open (its probe may well be another 429 or timeout), whose pace is not
known yet (no batch measured) or whose last batch was slow is delivered on the `slow` queue,
by its own worker pool (`slow_lane()`, delivery/tasks.py): a first batch of 2 s requests, or 50
probes every 5 s, never waits in front of another tenant's fold or delivery. A quick batch on
the slow lane hands the connector back to the realtime slots; a slow one on the realtime slots
sends it to the slow lane. A half-open probe claims one row (`batch_limit()`).
"""

from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import Count

from connectors import breaker
from connectors.models import ConnectorAccount
from delivery.models import DUE_STATES, SyncRecord, SyncState


def in_flight(connector_id: int, now: datetime) -> int:
    """Batches of this connector being delivered right now (distinct live leases)."""
    return (
        SyncRecord.objects.unscoped()  # keyed by connector (any tenant)
        .filter(connector_id=connector_id, state=SyncState.RUNNING, locked_until__gte=now)
        .aggregate(n=Count("lease", distinct=True))["n"]
    )


def admit(connector_id: int, now: datetime) -> bool:
    """May one more batch of this connector be claimed now? Call inside transaction.atomic()."""
    account = (
        ConnectorAccount.objects.unscoped()  # keyed by connector (any tenant)
        .select_for_update(skip_locked=True)
        .filter(pk=connector_id)
        .only("id", "tenant_id", "state")
        .first()
    )
    if account is None:  # gone, or its row is locked by someone working on it
        return False
    allowed = breaker.slots(account, now)
    if not (allowed > 0 and in_flight(connector_id, now) < allowed):
        return False
    return not is_slow(account, now) or _slow_room(now)


PACE = "pace"  # ConnectorAccount.state key: {"seconds": last batch[, "slow_until": epoch]}
SLOW_LOCK = 0x0C0FFEE5  # the advisory lock of the slow share (any constant of this app)


def is_slow(account: ConnectorAccount, now: datetime) -> bool:
    pace = (account.state or {}).get(PACE)
    return isinstance(pace, dict) and float(pace.get("slow_until") or 0) > now.timestamp()


def _slow_room(now: datetime) -> bool:
    """Is the slow connectors' share of worker slots not full? (inside the claim's transaction)"""
    cap = int(settings.DELIVERY_MAX_SLOW_IN_FLIGHT)
    if cap <= 0:
        return True
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SLOW_LOCK])
    slow = ConnectorAccount.objects.unscoped().filter(  # every tenant's slow connectors
        state__pace__slow_until__gt=now.timestamp()
    )
    running = (
        SyncRecord.objects.unscoped()  # their batches in flight, any tenant
        .filter(connector__in=slow.values("id"), state=SyncState.RUNNING, locked_until__gte=now)
        .aggregate(n=Count("lease", distinct=True))["n"]
    )
    return running < cap


def slow_lane(account: ConnectorAccount, now: datetime) -> bool:
    """Deliver this connector on the `slow` queue, not on the realtime slots? Yes while its
    breaker is half-open (a probe), while its pace is unknown (never measured) and while its
    last measured batch was slow ("slow_until" kept after the mark expires: the next batch,
    on the slow lane, measures it again)."""
    if breaker.Breaker.of(account).half_open(now):
        return True
    pace = (account.state or {}).get(PACE)
    return not isinstance(pace, dict) or "slow_until" in pace


def batch_limit(account: ConnectorAccount, now: datetime) -> int:
    """Rows to claim for one batch: the provider's batch size, one for a half-open probe."""
    if breaker.Breaker.of(account).half_open(now):
        return 1
    return max(1, int(account.provider.batch_size or 1))


def record_pace(account: ConnectorAccount, seconds: float, now: datetime) -> None:
    """After a batch: mark the connector slow when it took long, quick when it did not
    (one write per change; `account.state` is fresh: the breaker re-read it)."""
    if seconds > float(settings.DELIVERY_SLOW_BATCH_SECONDS):
        until = now.timestamp() + float(settings.DELIVERY_SLOW_MARK_SECONDS)
        pace = (account.state or {}).get(PACE)
        left = float(pace.get("slow_until") or 0) - now.timestamp() if isinstance(pace, dict) else 0
        if left < float(settings.DELIVERY_SLOW_MARK_SECONDS) / 2:  # new, or half gone: extend
            account.set_state_key(PACE, {"slow_until": until, "seconds": round(seconds, 2)})
    else:
        pace = (account.state or {}).get(PACE)
        if not isinstance(pace, dict) or "slow_until" in pace:  # unknown or slow: now quick
            account.set_state_key(PACE, {"seconds": round(seconds, 2)})


def pause_rows(connector_id: int, until: datetime) -> int:
    """The breaker opened: every due row of the connector waits at least until `until`."""
    return (
        SyncRecord.objects.unscoped()  # keyed by connector (any tenant)
        .filter(connector_id=connector_id, state__in=DUE_STATES, next_attempt_at__lt=until)
        .update(next_attempt_at=until)
    )


def lanes(connector_ids, now: datetime) -> dict[int, str]:
    """The sweeper's view of the connectors: "paused" (breaker open: left alone until the pause
    ends), "slow" (rung on the slow lane, slow_lane()) or "realtime"."""
    accounts = (
        ConnectorAccount.objects.unscoped().filter(pk__in=set(connector_ids)).only("id", "state")
    )
    return {a.pk: _lane(a, now) for a in accounts}


def _lane(account: ConnectorAccount, now: datetime) -> str:
    if breaker.slots(account, now) == 0:
        return "paused"
    return "slow" if slow_lane(account, now) else "realtime"
