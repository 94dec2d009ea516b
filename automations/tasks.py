from celery import shared_task

from automations import services


@shared_task(acks_late=True)
def process_callback_requests(tenant_id: int) -> int:
    """Decide received callback requests of one tenant (idempotent: only `received` rows)."""
    return services.process_callback_requests(tenant_id)
