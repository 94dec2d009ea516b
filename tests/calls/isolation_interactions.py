"""Tenant-isolation cases of the interactions routes (merged into tests/calls/isolation.py)."""

from django.utils import timezone

from calls.models import Interaction


def make_interaction(tenant, iid=None) -> Interaction:
    return Interaction.objects.create(
        tenant=tenant,
        interaction_id=iid or f"iso-{tenant.slug}-ix",
        channel="email",
        direction="in",
        address=f"{tenant.slug}@example.com",
        address_key=f"{tenant.slug}@example.com",
        started_at=timezone.now(),
        content_hash="x",
        received_at=timezone.now(),
        decided_at=timezone.now(),
    )


def _named(t) -> list:
    ix = make_interaction(t)
    return [ix, ix.interaction_id]


CASES = {
    "interaction-detail": lambda t: {"pk": make_interaction(t).pk},
    "interaction-retry": lambda t: {"pk": make_interaction(t).pk},
    "calls:interaction_detail": lambda t: {"pk": make_interaction(t).pk},
    "calls:interaction_retry": lambda t: {"pk": make_interaction(t).pk},
}
LIST_CASES = {
    "interaction-list": _named,
    "calls:interactions": lambda t: _named(t)[1:],
}
NOT_LISTS = {
    "calls:interactions_retry": "POST: re-decides the tenant's filtered interactions "
    "(for_tenant), then redirects to the list; it shows no rows",
}
