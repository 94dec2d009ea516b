"""Bulk retry of interactions: every interaction the list's filter shows whose sync is not
synced, decided again as a background job with progress (as calls/retry_jobs.py for calls).

`start_interaction_retry(tenant, params)` validates the filter (calls/interaction_filters.py),
records an `interaction_retry` Job with the parameters in its result and rings
`calls.run_interaction_retry`; the runner walks the matching interactions by id in chunks,
calls `retry_interactions` on each chunk (calls/interaction_retry.py: rebuilt from today's
settings, mappings and contacts; skips whose reason went away are sent), heartbeats the
progress after every chunk and stores the counts. Idempotent: a run taken over by the sweeper
decides them again (rows already re-queued are left alone).
"""

from django.http import QueryDict

from calls.interaction_filters import FILTERS, InteractionFilter
from calls.interaction_retry import retry_interactions
from calls.retry_jobs import BadFilter
from delivery.models import SyncState
from jobs.models import Job
from jobs.runner import JobRunner
from tenants.models import Tenant

KIND = "interaction_retry"
CHUNK = 100


def filter_params(data) -> dict:
    """The filter parameters of a query dict (unknown keys and the page ignored)."""
    out = {}
    for name in FILTERS:
        value = data.get(name)
        if isinstance(value, str) and value.strip():
            out[name] = value.strip()[:200]
    return out


def matching_interactions(tenant, params: dict):
    """The filter's interactions with at least one sync entry that is not synced."""
    query = QueryDict(mutable=True)
    query.update(params)
    filters = InteractionFilter(query, tenant=tenant)
    if filters.problems:
        raise BadFilter(filters.problems)
    return (
        filters.qs.filter(decided_at__isnull=False, sync_records__isnull=False)
        .exclude(sync_records__state=SyncState.SYNCED)
        .distinct()
    )


def start_interaction_retry(tenant, params: dict) -> Job:
    """Queue the job (BadFilter when a parameter is invalid)."""
    total = matching_interactions(tenant, params).count()
    return InteractionRetry.enqueue(tenant.pk, total=total, result={"filters": params})


class InteractionRetry(JobRunner):
    kind = KIND
    task = "calls.run_interaction_retry"

    def run(self) -> dict:
        job: Job = self.job
        params = (job.result or {}).get("filters") or {}
        tenant = Tenant.objects.get(pk=job.tenant_id)
        ids = list(
            matching_interactions(tenant, params).order_by("pk").values_list("pk", flat=True)
        )
        queued = 0
        self.heartbeat(0, len(ids))
        for start in range(0, len(ids), CHUNK):
            queued += retry_interactions(tenant, ids[start : start + CHUNK])
            self.heartbeat(min(len(ids), start + CHUNK), len(ids))
        return {"filters": params, "interactions": len(ids), "queued": queued}
