"""Pages: the contacts list and detail, contact sync (schedule, Sync now, jobs with progress)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from connectors.capabilities import Capability, refusal
from connectors.models import ConnectorAccount
from contacts.filters import ContactFilter, keyset_for
from contacts.forms import SyncSettingsForm
from contacts.matching import crm_user_names
from contacts.models import Contact, ContactSyncSettings, MatchingPolicy, RecordType
from contacts.sync import KIND, start_contact_sync
from jobs.models import Job
from portal.paging import html_page
from tenants.scoping import get_for_tenant, tenant_view


def connectors_of(tenant):
    return ConnectorAccount.objects.for_tenant(tenant).order_by("name")


@tenant_view("viewer")
def index(request):
    tenant = request.tenant
    q = request.GET.get("q", "").strip()
    connector = request.GET.get("connector", "")
    record_type = request.GET.get("type", "")
    filters = ContactFilter(
        # the page's three; a bad connector or type: all of them
        {"q": q, "connector": connector, "type": record_type},
        queryset=Contact.objects.for_tenant(tenant).select_related("connector"),
        tenant=tenant,
    )
    page = html_page(filters.qs, keyset_for(request.GET), request.GET)
    return render(
        request,
        "contacts/index.html",
        {
            "page": page,
            "q": q,
            "connector": connector,
            "type": record_type,
            "types": RecordType.choices,
            "connectors": connectors_of(tenant),
            "total": page.count,  # exact up to 10,000, else an estimate (portal/paging.py)
            "tab": "contacts",
        },
    )


@tenant_view("viewer")
def detail(request, pk):
    contact = get_for_tenant(Contact.objects.select_related("connector"), request.tenant, pk=pk)
    region = MatchingPolicy.for_connector(contact.connector).region_for(request.tenant)
    return render(
        request,
        "contacts/detail.html",
        {
            "contact": contact,
            "phone_rows": contact.phone_numbers.all(),
            "region": region,
            "owner_name": crm_user_names(contact.connector).get(contact.owner_crm_id, ""),
            "tab": "contacts",
        },
    )


@tenant_view("viewer")
def sync_index(request):
    tenant = request.tenant
    cards = []
    for account in connectors_of(tenant):
        st = ContactSyncSettings.for_connector(account)
        job = Job.objects.for_tenant(tenant).filter(connector=account, kind=KIND).first()
        cards.append(
            {"account": account, "settings": st, "form": SyncSettingsForm(instance=st), "job": job}
        )
    jobs = Job.objects.for_tenant(tenant).filter(kind__in=[KIND, "contact_push"])
    jobs = jobs.select_related("connector")[:25]
    return render(request, "contacts/sync.html", {"cards": cards, "jobs": jobs, "tab": "sync"})


@require_POST
@tenant_view("support")
def sync_now(request, connector_id):
    account = get_for_tenant(ConnectorAccount, request.tenant, pk=connector_id)
    if not account.provider.can(Capability.CONTACTS):
        messages.error(request, refusal(account.kind, Capability.CONTACTS))
        return redirect("contacts:sync")
    job, created = start_contact_sync(account, full=request.POST.get("full") == "1")
    if created:
        messages.success(request, f"Contact import of {account.name} started (job #{job.pk}).")
    else:
        messages.info(
            request, f"A contact import of {account.name} is already running (job #{job.pk})."
        )
    return redirect("contacts:sync")


@require_POST
@tenant_view("admin")
def sync_settings(request, connector_id):
    account = get_for_tenant(ConnectorAccount, request.tenant, pk=connector_id)
    st = ContactSyncSettings.for_connector(account)
    form = SyncSettingsForm(request.POST, instance=st)
    if form.is_valid():
        st = form.save(commit=False)
        st.next_run_at = None  # re-plan from the new interval at the next beat
        st.save()
        messages.success(request, f"Schedule of {account.name} saved.")
    else:
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("contacts:sync")


@tenant_view("viewer")
def job_progress(request, pk):
    """The progress bar partial; htmx re-fetches it every second while the job runs."""
    job = get_for_tenant(Job.objects.filter(kind__in=[KIND, "contact_push"]), request.tenant, pk=pk)
    return render(request, "contacts/_job_progress.html", {"job": job})
