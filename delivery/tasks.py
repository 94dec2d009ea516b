"""The deliver task: a doorbell that takes (connector id, kind) and works the outbox.

Two lanes of the same work (admission.slow_lane): `calls.deliver` on the `realtime` queue for
connectors of known, quick pace, and `delivery.deliver_slow` on the `slow` queue (its own
workers) for half-open probes, connectors of unknown pace (their first batch) and slow ones.
A task that finds its connector on the other lane hands it over (rings the other task) at once,
before claiming; one whose batch changed the lane stops and rings the other. So a CRM that
takes 2 s a request, or answers 429 to every probe, never holds a realtime slot.

A task works a short slice (DELIVERY_SLICE_SECONDS), then rings again, so connectors and
tenants take turns. Its doorbell is deduplicated (one waiting message per connector and kind,
either lane, in the shared cache), so a backlog never piles up messages; new rows always ring
(outbox.kick, on the realtime lane). The sweeper is calls.sweep.
"""

import time

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from connectors import breaker
from connectors.models import ConnectorAccount
from delivery import admission, outbox


@shared_task(name=outbox.DELIVER_TASK)
def deliver(connector_id: int, kind: str) -> int:
    """Send due rows of one connector of quick pace (realtime lane) for a short slice."""
    return work(connector_id, kind, slow=False)


@shared_task(name=outbox.SLOW_DELIVER_TASK)
def deliver_slow(connector_id: int, kind: str) -> int:
    """The same on the slow lane: probes, first batches, slow CRMs (the `slow` queue)."""
    return work(connector_id, kind, slow=True)


def work(connector_id: int, kind: str, slow: bool) -> int:
    """Send due rows of one connector for a short slice, then ring again if more are due.

    Stops at once when nothing is claimable: no due rows, the breaker is open (the sweeper
    rings after the pause), or the connector has its cap of batches in flight (those re-ring).
    """
    cache.delete(outbox.doorbell_key(connector_id, kind))  # from here on a new doorbell is new
    account = ConnectorAccount.objects.unscoped().filter(pk=connector_id).first()  # any tenant's
    if account is None:
        return 0
    if admission.slow_lane(account, timezone.now()) != slow:
        outbox.ring_deliver(connector_id, kind, slow=not slow)  # the other lane's work
        return 0
    handled, helper_rung = 0, deliver.app.conf.task_always_eager  # eager: no second worker
    deadline = time.monotonic() + settings.DELIVERY_SLICE_SECONDS
    while True:
        n = outbox.deliver_batch(account, kind)  # account.state is fresh after it
        if not n or breaker.slots(account) == 0:  # nothing due, or paused: the sweeper rings
            return handled
        handled += n
        if admission.slow_lane(account, timezone.now()) != slow:
            break  # its pace changed: the other lane goes on
        if not helper_rung and breaker.slots(account) > 1:
            # The CRM answers and may take more than one batch at once: ask for a second
            # worker (deduplicated; it steps aside at once when the cap is reached).
            outbox.ring_deliver(connector_id, kind, slow=slow)
            helper_rung = True
        if time.monotonic() >= deadline:
            break
    # More to do: give other work a turn, on the lane the connector's pace now asks for.
    outbox.ring_deliver(connector_id, kind, slow=admission.slow_lane(account, timezone.now()))
    return handled
