"""Celery tasks: doorbells that take ids, re-read rows and record outcomes in the database."""

import logging
import time

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from calls import outbox, services
from calls.models import CallEvent, SyncRecord
from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount

log = logging.getLogger(__name__)


@shared_task(name="calls.fold_calls")
def fold_calls(tenant_id: int, call_ids: list[str]) -> int:
    return services.fold_calls(tenant_id, call_ids)


@shared_task(name="calls.deliver")
def deliver(connector_id: int, kind: str) -> int:
    """Send due rows of one connector in batches until none is due (bounded, then re-kicked)."""
    account = ConnectorAccount.objects.filter(pk=connector_id).first()
    if account is None:
        return 0
    handled, deadline = 0, time.monotonic() + getattr(settings, "CALLS_DELIVER_SLICE_SECONDS", 60)
    while time.monotonic() < deadline:
        n = outbox.deliver_batch(account, kind)
        if not n:
            return handled
        handled += n
    deliver.delay(connector_id, kind)  # more to do: give other work a turn
    return handled


@shared_task(name="calls.sweep")
def sweep() -> dict:
    """Beat: re-kick work whose doorbell was lost or whose worker died (expired leases)."""
    now = timezone.now()
    pairs = sorted(
        set(SyncRecord.objects.due(now).values_list("connector_id", "kind").distinct()[:1000])
    )
    for connector_id, kind in pairs:
        deliver.delay(connector_id, kind)
    unfolded = services.unfolded_calls()
    for tenant_id, call_ids in unfolded.items():
        fold_calls.delay(tenant_id, call_ids)
    return {"deliver": len(pairs), "fold": sum(len(v) for v in unfolded.values())}


@shared_task(name="calls.send_call_event")
def send_call_event(connector_id: int, event_pk: int) -> None:
    """Live call event to a CRM that wants one (retailCRM screen pop). Best effort: a pop that
    arrives late is useless, so failures are logged, not retried."""
    from calls.ingest import event_dict

    account = ConnectorAccount.objects.filter(pk=connector_id).first()
    event = CallEvent.objects.filter(pk=event_pk).first()
    if account is None or event is None or event.tenant_id != account.tenant_id:
        return
    connector = account.connector
    if not getattr(connector, "supports_call_events", False):
        return
    try:
        connector.send_call_event(event_dict(event))
    except ConnectorError as exc:
        log.warning("call event %s to connector %s failed: %s", event.event_id, connector_id, exc)
