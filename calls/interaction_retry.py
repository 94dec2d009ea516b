"""Retry of interactions (POST /interactions/{id}/retry/, the page's buttons): decided again
with today's settings, mappings and contacts, as calls' retry does (calls/retry.py): failed
or dead rows are rebuilt and re-queued, a skip whose reason no longer holds is sent, a synced
row whose payload would not change is left alone (calls/interaction_decisions.py)."""

from django.db import transaction

from calls.interaction_decisions import decide_interactions
from calls.models import Interaction

BULK_LIMIT = 1000


def retry_interaction(ix) -> int:
    """Re-decide one interaction; returns how many rows were queued."""
    return retry_interactions(ix.tenant, [ix.pk])


def retry_interactions(tenant, ids) -> int:
    """Re-decide these interactions of the tenant (bulk: the page's filtered list, at most
    BULK_LIMIT per request); returns how many rows were queued."""
    with transaction.atomic():
        rows = list(
            Interaction.objects.for_tenant(tenant)
            .select_for_update()
            .filter(pk__in=list(ids)[:BULK_LIMIT])
            .order_by("pk")
        )
        return decide_interactions(tenant, rows, retry=True) if rows else 0
