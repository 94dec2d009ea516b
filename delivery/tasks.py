"""The deliver task: a doorbell that takes (connector id, kind) and works the outbox.

It runs on the `realtime` queue (CELERY_TASK_ROUTES) and works a short slice
(DELIVERY_SLICE_SECONDS), then rings again, so connectors and tenants take turns. Its doorbell
is deduplicated (one waiting message per connector and kind, in the shared cache), so a backlog
never piles up messages; new rows always ring (outbox.kick). The sweeper is calls.sweep.
"""

import time

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from connectors import breaker
from connectors.models import ConnectorAccount
from delivery import outbox


@shared_task(name=outbox.DELIVER_TASK)
def deliver(connector_id: int, kind: str) -> int:
    """Send due rows of one connector for a short slice, then ring again if more are due.

    Stops at once when nothing is claimable: no due rows, the breaker is open (the sweeper
    rings after the pause), or the connector has its cap of batches in flight (those re-ring).
    """
    cache.delete(outbox.doorbell_key(connector_id, kind))  # from here on a new doorbell is new
    account = ConnectorAccount.objects.unscoped().filter(pk=connector_id).first()  # any tenant's
    if account is None:
        return 0
    handled, helper_rung = 0, deliver.app.conf.task_always_eager  # eager: no second worker
    deadline = time.monotonic() + settings.DELIVERY_SLICE_SECONDS
    while True:
        n = outbox.deliver_batch(account, kind)
        if not n:
            return handled
        handled += n
        if not helper_rung and breaker.slots(account) > 1:
            # The CRM answers and may take more than one batch at once: ask for a second
            # worker (deduplicated; it steps aside at once when the cap is reached).
            outbox.ring_deliver(connector_id, kind)
            helper_rung = True
        if time.monotonic() >= deadline:
            break
    outbox.ring_deliver(connector_id, kind)  # more to do: give other work a turn
    return handled
