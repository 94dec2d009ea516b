"""Tenant-isolation cases of the interactions routes (merged into tests/calls/isolation.py)."""

from django.utils import timezone

from calls.models import Interaction
from jobs.models import Job


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


def make_retry_job(tenant) -> Job:
    return Job.objects.create(tenant=tenant, kind="interaction_retry", result={"filters": {}})


CASES = {
    "calls:interaction_retry_job": lambda t: {"pk": make_retry_job(t).pk},
    "calls:interaction_retry_job_progress": lambda t: {"pk": make_retry_job(t).pk},
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
    "calls:interactions_retry": "POST: queues a retry job over the tenant's filtered "
    "interactions (for_tenant), then redirects to the job; it shows no rows",
}
