"""Which connector may deliver now: its circuit breaker and the per-connector in-flight cap.

`admit()` runs inside the claim's transaction. It locks the connector's row (SKIP LOCKED: a
connector whose row is busy, e.g. another claim or a token refresh, is simply skipped; the
holder re-kicks delivery), so the count of batches in flight and the claim that follows are
one decision. A batch in flight = one live lease (rows running, lease not expired), so a killed
worker stops counting when its lease expires. The cap keeps one connector from occupying more
than DELIVERY_MAX_IN_FLIGHT_PER_CONNECTOR worker slots, whatever its backlog.
"""

from datetime import datetime

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
    return allowed > 0 and in_flight(connector_id, now) < allowed


def pause_rows(connector_id: int, until: datetime) -> int:
    """The breaker opened: every due row of the connector waits at least until `until`."""
    return (
        SyncRecord.objects.unscoped()  # keyed by connector (any tenant)
        .filter(connector_id=connector_id, state__in=DUE_STATES, next_attempt_at__lt=until)
        .update(next_attempt_at=until)
    )


def paused_ids(connector_ids, now: datetime) -> set[int]:
    """Those of the connectors whose breaker is open now (the sweeper leaves them alone)."""
    accounts = (
        ConnectorAccount.objects.unscoped().filter(pk__in=set(connector_ids)).only("id", "state")
    )
    return {a.pk for a in accounts if breaker.slots(a, now) == 0}
