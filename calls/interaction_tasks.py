"""Celery tasks of interactions: decide after ingest (ids in, rows re-read), and the sweep
that re-rings interactions whose doorbell was lost. Registered via calls/tasks.py."""

from celery import shared_task
from django.core.cache import cache
from django.db import transaction

from calls.interaction_decisions import decide_interactions as decide
from calls.interactions import DECIDE_TASK, undecided
from calls.models import Interaction
from portal.celery import ring_once
from tenants.models import Tenant


@shared_task(name=DECIDE_TASK)
def decide_interactions(tenant_id: int, interaction_ids: list[str], swept: bool = False) -> int:
    if swept:
        cache.delete(_doorbell(tenant_id))
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return 0
    with transaction.atomic():
        rows = list(
            Interaction.objects.for_tenant(tenant)
            .select_for_update()
            .filter(interaction_id__in=interaction_ids, decided_at__isnull=True)
            .order_by("pk")
        )
        return decide(tenant, rows) if rows else 0


def _doorbell(tenant_id: int) -> str:
    return f"calls.interaction-sweep:{tenant_id}"


@shared_task(name="calls.sweep_interactions")
def sweep_interactions() -> int:
    """Beat: decide interactions stored but never decided (a lost doorbell, a dead worker)."""
    rung = 0
    for tenant_id, ids in undecided().items():
        if ring_once(_doorbell(tenant_id), decide_interactions, tenant_id, ids, swept=True):
            rung += len(ids)
    return rung
