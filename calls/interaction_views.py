"""The audit console's Interactions pages: list (+ CSV), detail with sync entries, retry."""

import csv

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from calls.interaction_filters import InteractionFilter
from calls.interaction_retry import retry_interaction
from calls.interaction_retry_jobs import KIND as RETRY_KIND
from calls.interaction_retry_jobs import filter_params, start_interaction_retry
from calls.interaction_serializers import with_sync
from calls.models import Interaction
from calls.models.interaction import INTERACTION_CHANNELS
from calls.reasons import ATTEMPT_BADGE, STATE_BADGE, match_text, owner_text, reason_text
from calls.retry_jobs import BadFilter
from calls.views import _safe
from connectors.models import ConnectorAccount
from delivery.models import SyncState
from jobs.models import Job
from tenants.scoping import get_for_tenant, tenant_view


class InteractionFilterForm(forms.Form):
    """The filter bar (validated again in calls/interaction_filters.py)."""

    channel = forms.ChoiceField(
        required=False, choices=[("", "Any channel"), *[(c, c) for c in INTERACTION_CHANNELS]]
    )
    address = forms.CharField(required=False, label="Address", max_length=254)
    agent_email = forms.CharField(required=False, label="Agent email", max_length=254)
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))
    sync_state = forms.ChoiceField(
        required=False, label="Sync", choices=[("", "Any sync state"), *SyncState.choices]
    )
    connector = forms.TypedChoiceField(required=False, label="Connector", coerce=int)

    def __init__(self, *args, connectors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["connector"].choices = [("", "Any connector")] + [
            (c.pk, c.name) for c in connectors
        ]


def _decorate(record):
    record.reason_text = reason_text(record)
    record.owner_text = owner_text(record)
    record.match_text = match_text(record)
    record.badge = STATE_BADGE.get(record.state, "muted")
    return record


@tenant_view("viewer")
def index(request):
    connectors = list(ConnectorAccount.objects.for_tenant(request.tenant).order_by("name"))
    form = InteractionFilterForm(request.GET or None, connectors=connectors)
    filters = InteractionFilter(request.GET, tenant=request.tenant)
    qs = with_sync(filters.qs.order_by("-started_at", "-id"))
    if request.GET.get("export") == "csv":
        return _csv(qs)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for ix in page:
        ix.syncs = [_decorate(r) for r in ix.sync_records.all()]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "calls/interactions/index.html",
        {
            "form": form,
            "errors": filters.problems,
            "page": page,
            "query": query.urlencode(),
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "has_rows": Interaction.objects.for_tenant(request.tenant).exists(),
            "can_retry": request.membership.has_role("support"),
        },
    )


def _csv(rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="interactions.csv"'
    writer = csv.writer(response)
    columns = ["interaction_id", "started_at", "channel", "direction", "address", "queue"]
    writer.writerow([*columns, "agent_email", "subject", "disposition", "sync"])
    for ix in rows.iterator(chunk_size=500):
        sync = "; ".join(
            f"{r.connector.name}: {r.state}{' (' + r.reason + ')' if r.reason else ''}"
            for r in ix.sync_records.all()
        )
        values = (
            ix.interaction_id,
            ix.started_at.isoformat(),
            ix.channel,
            ix.direction,
            ix.address,
            ix.queue,
            ix.agent_email,
            ix.subject,
            ix.disposition,
            sync,
        )
        writer.writerow([_safe(v) for v in values])
    return response


@tenant_view("viewer")
def detail(request, pk):
    ix = get_for_tenant(with_sync(Interaction.objects.all(), attempts=True), request.tenant, pk=pk)
    syncs = [_decorate(r) for r in ix.sync_records.all()]
    for record in syncs:
        record.tries = list(record.delivery_attempts.all())
        for attempt in record.tries:
            attempt.badge = ATTEMPT_BADGE.get(attempt.outcome, "muted")
    return render(
        request,
        "calls/interactions/detail.html",
        {
            "ix": ix,
            "syncs": syncs,
            "can_retry": request.membership.has_role("support"),
            "retryable": any(r.state != SyncState.SYNCED for r in syncs),
        },
    )


@require_POST
@tenant_view("support")
def retry(request, pk):
    ix = get_for_tenant(Interaction, request.tenant, pk=pk)
    n = retry_interaction(ix)
    if n:
        messages.success(request, f"Decided again: {n} sync(s) queued; sent within seconds.")
    else:
        messages.info(request, "Decided again with today's settings: nothing to send.")
    return redirect("calls:interaction_detail", pk=ix.pk)


@require_POST
@tenant_view("support")
def retry_filtered(request):
    """ "Retry all not synced": a background job deciding again every interaction the current
    filter shows whose sync is not synced (calls/interaction_retry_jobs.py)."""
    params = filter_params(request.POST)
    try:
        job = start_interaction_retry(request.tenant, params)
    except BadFilter:
        messages.error(request, "Fix the filter first: some of its values are not valid.")
        return redirect(f"{reverse('calls:interactions')}?{urlencode(params)}")
    return redirect("calls:interaction_retry_job", pk=job.pk)


@tenant_view("viewer")
def retry_job(request, pk):
    job = get_for_tenant(Job.objects.filter(kind=RETRY_KIND), request.tenant, pk=pk)
    filters = (job.result or {}).get("filters") or {}
    back = f"{reverse('calls:interactions')}?{urlencode(filters)}"
    return render(request, "calls/interactions/retry_job.html", {"job": job, "back": back})


@tenant_view("viewer")
def retry_job_progress(request, pk):
    """The progress partial; htmx re-fetches it every second while the job runs."""
    job = get_for_tenant(Job.objects.filter(kind=RETRY_KIND), request.tenant, pk=pk)
    return render(request, "calls/interactions/_retry_progress.html", {"job": job})
