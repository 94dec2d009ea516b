"""Celery tasks: doorbells that take ids, re-read rows and record outcomes in the database.

Real-time tasks (fold, live call events) run on the `realtime` queue, the sweeper on `bulk`
(CELERY_TASK_ROUTES in settings); the outbox's deliver task is delivery/tasks.py. The
sweeper's doorbells are deduplicated (one pending message per key, in the shared cache), so a
backlog never piles up messages. Domain code rings these tasks by name (portal.celery.ring).
"""

import logging

from celery import shared_task
from django.core.cache import cache

from calls import daktela, rollup, services
from calls.ingest import event_dict
from calls.interaction_tasks import decide_interactions, sweep_interactions  # noqa: F401 (register)
from calls.models import CallEvent
from calls.retry_jobs import run_call_retry
from connectors import breaker
from connectors.capabilities import Capability
from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount
from delivery import outbox
from portal import http
from portal.celery import ring_once
from tenants.models import Tenant

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


@shared_task(name="calls.sweep")
def sweep() -> dict:
    """Beat: re-kick work whose doorbell was lost or whose worker died (expired leases).
    Paused connectors are left alone until their pause ends."""
    rung = outbox.ring_due()
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
    account = ConnectorAccount.objects.unscoped().filter(pk=connector_id).first()  # any tenant's
    event = CallEvent.objects.for_tenant(account and account.tenant_id).filter(pk=event_pk).first()
    if account is None or event is None:
        return
    if not account.provider.can(Capability.LIVE_CALL_EVENTS):
        return
    connector = account.connector
    if breaker.slots(account) == 0:  # the CRM asked us to wait: a late pop is useless anyway
        return
    try:
        with http.no_inline_waits():
            connector.send_call_event(event_dict(event))
    except ConnectorError as exc:
        log.warning("call event %s to connector %s failed: %s", event.event_id, connector_id, exc)


@shared_task(name=daktela.COMPLETE_TASK)
def complete_daktela_activity(tenant_id: int, account_id: int, form: dict, attempt: int = 0):
    """An events-module GET whose Daktela completion failed transiently (calls/daktela.py):
    tried again with backoff; stores the end event (completed, else as the URL had it)."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return
    last = attempt >= daktela.COMPLETE_RETRIES
    if daktela.complete_later(tenant, account_id, form, last_try=last):
        return
    args = (tenant_id, account_id, form, attempt + 1)
    try:
        complete_daktela_activity.apply_async(args, countdown=30 * 2**attempt)
    except Exception:  # no broker for the next try: store what the URL had now
        log.exception("daktela completion not rescheduled")
        daktela.complete_later(tenant, account_id, form, last_try=True)


@shared_task(name="calls.run_call_retry")
def run_call_retry_task(job_id: int) -> None:
    """The bulk retry job (calls/retry_jobs.py; default queue: bulk)."""
    run_call_retry(job_id)


@shared_task(name="calls.recount_call_days")
def recount_call_days() -> int:
    """Beat: the dashboard's daily rollup, counted again where call logs may have moved."""
    return rollup.recount_open()
