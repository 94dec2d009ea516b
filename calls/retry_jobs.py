"""Bulk retry: every call matching the calls-list filter, decided again, as a background job.

`start_bulk_retry(tenant, params)` validates the filter (the list's parameters, calls/filters.py),
records a `call_retry` Job with the parameters in its result and rings `calls.run_call_retry`;
the runner (jobs/runner.py) walks the matching ended calls by id in chunks, calls
`calls.retry.redecide` on each, heartbeats the progress after every chunk and stores the counts
and what changed per call (the first NOTES_KEPT calls with a change) as the job's result. A run
taken over by the sweeper simply decides the calls again: a retry is idempotent (rows already
re-queued are left alone).
"""

from django.http import QueryDict

from calls.filters import FILTERS, CallFilter
from calls.models import Call
from calls.retry import redecide
from jobs.models import Job
from jobs.runner import JobRunner
from tenants.models import Tenant

KIND = "call_retry"
CHUNK = 100
NOTES_KEPT = 200


class BadFilter(ValueError):
    def __init__(self, problems: dict):
        super().__init__("invalid filter")
        self.problems = problems


def filter_params(data) -> dict:
    """The filter parameters of a query dict or JSON object (unknown keys ignored)."""
    out = {}
    for name in FILTERS:
        value = data.get(name) if hasattr(data, "get") else None
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            out[name] = str(value).strip()[:200]
    return out


def matching_calls(tenant, params: dict):
    query = QueryDict(mutable=True)
    query.update(params)
    filters = CallFilter(query, tenant=tenant)
    if filters.problems:
        raise BadFilter(filters.problems)
    return filters.qs.filter(decided_at__isnull=False)


def start_bulk_retry(tenant, params: dict) -> Job:
    """Queue the job (BadFilter when a parameter is invalid)."""
    total = matching_calls(tenant, params).count()
    return CallRetry.enqueue(tenant.pk, total=total, result={"filters": params})


def run_call_retry(job_id: int) -> None:
    CallRetry.handle(job_id)


class CallRetry(JobRunner):
    kind = KIND
    task = "calls.run_call_retry"

    def run(self) -> dict:
        job: Job = self.job
        params = (job.result or {}).get("filters") or {}
        tenant = Tenant.objects.get(pk=job.tenant_id)
        ids = list(matching_calls(tenant, params).order_by("pk").values_list("pk", flat=True))
        counts = {"calls": len(ids), "queued": 0, "skipped": 0, "unchanged": 0}
        notes: list[dict] = []
        self.heartbeat(0, len(ids))
        for start in range(0, len(ids), CHUNK):
            calls = Call.objects.for_tenant(tenant).filter(pk__in=ids[start : start + CHUNK])
            for call in calls.order_by("pk"):
                outcomes = redecide(call)
                for o in outcomes:
                    if o.queued:
                        counts["queued"] += 1
                    elif o.after == "skipped":
                        counts["skipped"] += 1
                    else:
                        counts["unchanged"] += 1
                changed = [o for o in outcomes if not o.note.startswith("unchanged")]
                if changed and len(notes) < NOTES_KEPT:
                    notes.append(
                        {
                            "call": call.pk,
                            "call_id": call.call_id,
                            "notes": [f"{o.connector}: {o.note}" for o in changed],
                        }
                    )
            self.heartbeat(min(len(ids), start + CHUNK), len(ids))
        return {"filters": params, **counts, "changes": notes}
