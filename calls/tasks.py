"""Celery tasks: doorbells that take ids, re-read rows and record outcomes in the database.

Real-time tasks (fold, deliver, live call events) run on the `realtime` queue, the sweeper on
`bulk` (CELERY_TASK_ROUTES in settings). A deliver task works a short slice
(DELIVERY_SLICE_SECONDS) and rings again, so connectors and tenants take turns. The sweeper's
and the re-kick's doorbells are deduplicated (one pending message per connector and kind, in
the shared cache), so a backlog never piles up messages; new rows always ring (outbox.kick).
"""

import logging
import time

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from calls import admission, outbox, services
from calls.models import CallEvent, SyncRecord
from connectors import breaker
from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount
from portal import http
from portal.celery import publish

log = logging.getLogger(__name__)


@shared_task(name="calls.fold_calls")
def fold_calls(tenant_id: int, call_ids: list[str], swept: bool = False) -> int:
    if swept:  # the sweeper's doorbell: fold only what is still unfolded now
        cache.delete(_fold_doorbell(tenant_id))
        call_ids = list(
            CallEvent.objects.for_tenant(tenant_id)
            .filter(call_id__in=call_ids, folded=False)
            .values_list("call_id", flat=True)
            .distinct()
        )
    return services.fold_calls(tenant_id, call_ids) if call_ids else 0


def _fold_doorbell(tenant_id: int) -> str:
    return f"calls.fold-sweep:{tenant_id}"


def _doorbell(connector_id: int, kind: str) -> str:
    return f"calls.deliver:{connector_id}:{kind}"


def ring_once(key: str, task, *args, **kwargs) -> bool:
    """Send `task` unless a message rung under `key` still waits (the task deletes the key
    when it starts; after DELIVERY_DOORBELL_TTL_SECONDS a lost message is rung again)."""
    if not cache.add(key, 1, timeout=getattr(settings, "DELIVERY_DOORBELL_TTL_SECONDS", 30)):
        return False
    if not publish(task, *args, **kwargs):  # broker down (logged): the next sweep rings
        cache.delete(key)
        return False
    return True


def ring_deliver(connector_id: int, kind: str) -> bool:
    """Send a deliver message unless one is already waiting for this connector and kind."""
    return ring_once(_doorbell(connector_id, kind), deliver, connector_id, kind)


@shared_task(name="calls.deliver")
def deliver(connector_id: int, kind: str) -> int:
    """Send due rows of one connector for a short slice, then ring again if more are due.

    Stops at once when nothing is claimable: no due rows, the breaker is open (the sweeper
    rings after the pause), or the connector has its cap of batches in flight (those re-ring).
    """
    cache.delete(_doorbell(connector_id, kind))  # from here on a new doorbell is a new message
    account = ConnectorAccount.objects.unscoped().filter(pk=connector_id).first()  # any tenant's
    if account is None:
        return 0
    handled, helper_rung = 0, deliver.app.conf.task_always_eager  # eager: no second worker
    deadline = time.monotonic() + getattr(settings, "DELIVERY_SLICE_SECONDS", 1.0)
    while True:
        n = outbox.deliver_batch(account, kind)
        if not n:
            return handled
        handled += n
        if not helper_rung and breaker.slots(account) > 1:
            # The CRM answers and may take more than one batch at once: ask for a second
            # worker (deduplicated; it steps aside at once when the cap is reached).
            ring_deliver(connector_id, kind)
            helper_rung = True
        if time.monotonic() >= deadline:
            break
    ring_deliver(connector_id, kind)  # more to do: give other work a turn
    return handled


@shared_task(name="calls.sweep")
def sweep() -> dict:
    """Beat: re-kick work whose doorbell was lost or whose worker died (expired leases).
    Paused connectors are left alone until their pause ends."""
    now = timezone.now()
    pairs = sorted(
        set(
            SyncRecord.objects.unscoped()
            .due(now)
            .values_list("connector_id", "kind")
            .distinct()[:1000]
        )
    )
    paused = admission.paused_ids([c for c, _ in pairs], now)
    rung = sum(ring_deliver(c, kind) for c, kind in pairs if c not in paused)
    folds = 0
    for tenant_id, call_ids in services.unfolded_calls().items():
        # One sweeper fold message per tenant at a time: under a burst the fold messages of
        # the ingest are merely queued, and re-sending them every sweep would flood the queue.
        if ring_once(_fold_doorbell(tenant_id), fold_calls, tenant_id, call_ids, swept=True):
            folds += len(call_ids)
    return {"deliver": rung, "fold": folds}


@shared_task(name="calls.send_call_event")
def send_call_event(connector_id: int, event_pk: int) -> None:
    """Live call event to a CRM that wants one (retailCRM screen pop). Best effort: a pop that
    arrives late is useless, so failures are logged, not retried."""
    from calls.ingest import event_dict

    account = ConnectorAccount.objects.unscoped().filter(pk=connector_id).first()  # any tenant's
    event = CallEvent.objects.for_tenant(account and account.tenant_id).filter(pk=event_pk).first()
    if account is None or event is None:
        return
    connector = account.connector
    if not getattr(connector, "supports_call_events", False):
        return
    if breaker.slots(account) == 0:  # the CRM asked us to wait: a late pop is useless anyway
        return
    try:
        with http.no_inline_waits():
            connector.send_call_event(event_dict(event))
    except ConnectorError as exc:
        log.warning("call event %s to connector %s failed: %s", event.event_id, connector_id, exc)
