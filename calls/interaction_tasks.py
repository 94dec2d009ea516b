"""Celery tasks of interactions: decide after ingest (ids in, rows re-read), and the sweep
that re-rings interactions whose doorbell was lost. Registered via calls/tasks.py."""

from celery import shared_task
from django.core.cache import cache
from django.db import transaction

from calls.interaction_decisions import decide_interactions as decide
from calls.interaction_retry_jobs import InteractionRetry
from calls.interactions import DECIDE_TASK, doorbell, undecided
from calls.models import Interaction
from portal.celery import ring_once
from tenants.models import Tenant

CHUNK = 1000


@shared_task(name=DECIDE_TASK)
def decide_interactions(tenant_id: int, interaction_ids: list[str] | None, swept=False) -> int:
    """Decide the given interactions, or (ids None: the coalesced ingest doorbell) every
    undecided interaction of the tenant, a chunk per transaction."""
    if swept:
        cache.delete(_doorbell(tenant_id))
    if interaction_ids is None:
        cache.delete(doorbell(tenant_id))  # first: a row committed after this rings again
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return 0
    decided = 0
    while True:
        with transaction.atomic():
            rows = Interaction.objects.for_tenant(tenant).filter(decided_at__isnull=True)
            if interaction_ids is not None:
                rows = rows.filter(interaction_id__in=interaction_ids)
            # skip_locked: rows another worker is deciding are its own.
            rows = list(rows.select_for_update(skip_locked=True).order_by("pk")[:CHUNK])
            done = decide(tenant, rows) if rows else 0
        decided += done
        if len(rows) < CHUNK:
            return decided


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


@shared_task(name="calls.run_interaction_retry")
def run_interaction_retry(job_id: int) -> None:
    """The interactions' bulk retry job (calls/interaction_retry_jobs.py; queue: bulk)."""
    InteractionRetry.handle(job_id)
