"""The audit console: calls list (+ CSV), call page with decisions and Retry, dashboard."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from calls import export
from calls.call_logs import CALL_LOG
from calls.dashboard import backlog, chart, daily_counts
from calls.export import _safe  # noqa: F401 (interaction_views, tests)
from calls.filters import CALLS_KEYSET, CallFilter
from calls.forms import CallFilterForm
from calls.models import Call, CallEvent
from calls.reasons import (
    ATTEMPT_BADGE,
    STATE_BADGE,
    match_text,
    owner_text,
    reason_text,
    short_text,
)
from calls.retry import redecide
from calls.retry_jobs import KIND as RETRY_KIND
from calls.retry_jobs import BadFilter, filter_params, start_bulk_retry
from calls.serializers import calls_with_details
from connectors.models import ConnectorAccount
from delivery import outbox
from delivery.models import SyncRecord
from jobs.models import Job
from portal.paging import html_page
from tenants.scoping import get_for_tenant, tenant_view


def _decorate(record):
    record.reason_text = reason_text(record)
    record.short_text = short_text(record)
    record.owner_text = owner_text(record)
    record.match_text = match_text(record)
    record.badge = STATE_BADGE.get(record.state, "muted")
    return record


@tenant_view("viewer")
def index(request):
    connectors = list(ConnectorAccount.objects.for_tenant(request.tenant).order_by("name"))
    form = CallFilterForm(request.GET or None, connectors=connectors)
    filters = CallFilter(request.GET, tenant=request.tenant)
    qs, errors = filters.qs, filters.problems
    if request.GET.get("export") == "csv":
        return export.csv_response(qs, request.tenant)
    page = html_page(calls_with_details(qs), CALLS_KEYSET, request.GET)
    for call in page:
        call.syncs = [_decorate(r) for r in call.sync_list]
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("cursor", None)
    return render(
        request,
        "calls/index.html",
        {
            "form": form,
            "errors": errors,
            "page": page,
            "query": query.urlencode(),
            "filtered": any(v for k, v in request.GET.items() if k not in ("page", "cursor")),
            "can_retry": request.membership.has_role("support"),
        },
    )


@tenant_view("viewer")
def detail(request, pk):
    call = get_for_tenant(
        calls_with_details(Call.objects.all(), attempts=True), request.tenant, pk=pk
    )
    events = CallEvent.objects.for_tenant(request.tenant).filter(call_id=call.call_id)
    syncs = [_decorate(r) for r in call.sync_list]
    for record in syncs:  # the attempt history (prefetched with the call)
        record.tries = list(record.delivery_attempts.all())
        for attempt in record.tries:
            attempt.badge = ATTEMPT_BADGE.get(attempt.outcome, "muted")
    return render(
        request,
        "calls/detail.html",
        {
            "call": call,
            "events": events.order_by("occurred_at", "id"),
            "syncs": syncs,
            "can_retry": request.membership.has_role("support"),
            "retryable": bool(call.decided_at)
            and any(r.state in ("failed", "dead", "skipped") for r in syncs),
        },
    )


@require_POST
@tenant_view("support")
def retry(request, pk):
    call = get_for_tenant(Call, request.tenant, pk=pk)
    outcomes = redecide(call)
    others = SyncRecord.objects.for_tenant(call.tenant_id).filter(call=call).exclude(kind=CALL_LOG)
    n = sum(o.queued for o in outcomes) + outbox.retry(others)
    said = "; ".join(f"{o.connector}: {o.note}" for o in outcomes)
    if n:
        messages.success(request, f"Decided again, {n} sync(s) queued. {said}")
    else:
        messages.info(request, f"Decided again, nothing to send. {said}")
    return redirect("calls:detail", pk=call.pk)


@require_POST
@tenant_view("support")
def retry_all(request):
    """The calls list's "Retry all matching": a background job deciding them again."""
    try:
        job = start_bulk_retry(request.tenant, filter_params(request.GET))
    except BadFilter:
        messages.error(request, "Fix the filter first: some of its values are not valid.")
        return redirect(f"{reverse('calls:index')}?{request.GET.urlencode()}")
    return redirect("calls:retry_job", pk=job.pk)


@tenant_view("viewer")
def retry_job(request, pk):
    job = get_for_tenant(Job.objects.filter(kind=RETRY_KIND), request.tenant, pk=pk)
    filters = (job.result or {}).get("filters") or {}
    return render(
        request,
        "calls/retry_job.html",
        {"job": job, "back": f"{reverse('calls:index')}?{urlencode(filters)}"},
    )


@tenant_view("viewer")
def retry_job_progress(request, pk):
    """The progress partial; htmx re-fetches it every second while the job runs."""
    job = get_for_tenant(Job.objects.filter(kind=RETRY_KIND), request.tenant, pk=pk)
    return render(request, "calls/_retry_progress.html", {"job": job})


@tenant_view("viewer")
def dashboard(request):
    days = daily_counts(request.tenant, 14)
    return render(
        request,
        "calls/dashboard.html",
        {"days": days, "chart": chart(days), "backlog": backlog(request.tenant)},
    )
