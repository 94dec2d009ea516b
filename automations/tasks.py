from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from automations import callbacks, tickets
from automations.models import CallbackRequest, CallbackState
from portal import http


@shared_task(acks_late=True)
def process_callback_requests(tenant_id: int) -> int:
    """Decide received callback requests of one tenant (idempotent: only `received` rows).
    Real-time work: a CRM lookup here fails fast instead of waiting (the sweeper retries)."""
    with http.no_inline_waits():
        return callbacks.process_callback_requests(tenant_id)


@shared_task(name="automations.sweep_callbacks")
def sweep_callbacks(older_than_seconds: float = 10.0) -> int:
    """The doorbell may be lost: decide requests still `received` after a few seconds."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    tenants = (
        CallbackRequest.objects.unscoped()  # the sweeper: every tenant's waiting requests
        .filter(state=CallbackState.RECEIVED, received_at__lt=cutoff)
        .values_list("tenant_id", flat=True)
        .distinct()
    )
    return sum(callbacks.process_callback_requests(tenant_id) for tenant_id in tenants)


@shared_task(name="automations.sweep_ticket_completions")
def sweep_ticket_completions() -> int:
    """Completions of tickets opened during a call whose ticket is synced now (tickets.py)."""
    return tickets.release_completions()
