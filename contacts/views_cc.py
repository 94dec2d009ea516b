"""Pages: contact-center accounts (platforms/: Daktela V6, UIS): Configure, Test, Disable.

Each kind's form comes from its package (platforms.registry.account_form); secrets are
write-only; every change goes to the platform audit log (platforms/audit.py) and the list
shows what each kind can do (its capability flags).
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from connectors.errors import ConnectorError
from contacts.models import Contact
from contacts.push import start_push
from platforms import audit
from platforms.models import ContactCenterAccount, PlatformAuditEntry
from platforms.registry import KIND_CHOICES, account_form, capability_labels, platform_for
from tenants import confirm
from tenants.scoping import get_for_tenant, tenant_view
from tenants.unique_fields import save_form

KINDS = dict(KIND_CHOICES)


def _kind(request) -> str:
    kind = request.GET.get("kind") or "daktela"  # the add form posts to ?kind=<kind>
    if kind not in KINDS:
        raise Http404("Unknown contact-center kind.")
    return kind


@tenant_view("viewer")
def cc_index(request):
    tenant = request.tenant
    form, kind = None, _kind(request)
    if request.membership.has_role("admin"):
        form = account_form(kind)(request.POST or None, tenant=tenant)
        if request.method == "POST" and form.is_valid() and save_form(form, form.save):
            account = form.instance
            audit.record(account, request.user, "created", {"fields": sorted(form.changed_data)})
            messages.success(request, f"{account.name} added.")
            return redirect("contacts:cc_index")
    elif request.method == "POST":
        return render(request, "tenants/forbidden.html", {"required_role": "admin"}, status=403)
    accounts = list(ContactCenterAccount.objects.for_tenant(tenant))
    for account in accounts:
        account.capability_labels = capability_labels(account.kind)
    return render(
        request,
        "contacts/contact_center.html",
        {
            "accounts": accounts,
            "pending": Contact.objects.for_tenant(tenant).filter(pushed_at__isnull=True).count(),
            "form": form,
            "kind": kind,
            "kinds": KIND_CHOICES,
            "kind_label": KINDS[kind],
            "audit": PlatformAuditEntry.objects.for_tenant(tenant)[:10],
            "tab": "cc",
        },
        status=400 if request.method == "POST" else 200,  # reached on POST: form invalid
    )


@tenant_view("admin")
def cc_edit(request, pk):
    account = get_for_tenant(ContactCenterAccount, request.tenant, pk=pk)
    form_class = account_form(account.kind)
    form = form_class(request.POST or None, instance=account, tenant=request.tenant)
    if request.method == "POST" and form.is_valid() and save_form(form, form.save):
        audit.record(account, request.user, "updated", {"fields": sorted(form.changed_data)})
        messages.success(request, f"{account.name} saved.")
        return redirect("contacts:cc_index")
    context = {
        "form": form,
        "account": account,
        "tab": "cc",
        "capabilities": capability_labels(account.kind),
    }
    return render(
        request, "contacts/cc_edit.html", context, status=400 if request.method == "POST" else 200
    )


@require_POST
@tenant_view("admin")
def cc_delete(request, pk):
    account = get_for_tenant(ContactCenterAccount, request.tenant, pk=pk)
    if page := confirm.ask(
        request,
        f"Remove {account.name}?",
        action="Remove",
        detail="The portal stops pushing contacts to it and accepting its events; nothing is "
        "changed in the platform itself.",
        cancel_url=reverse("contacts:cc_index"),
    ):
        return page
    audit.record(account, request.user, "deleted")
    account.delete()
    messages.success(request, f"{account.name} removed.")
    return redirect("contacts:cc_index")


@require_POST
@tenant_view("admin")
def cc_toggle(request, pk):
    """Disable (or enable again): a disabled account pushes, accepts and places nothing."""
    account = get_for_tenant(ContactCenterAccount, request.tenant, pk=pk)
    if account.enabled and (
        page := confirm.ask(
            request,
            f"Disable {account.name}?",
            action="Disable",
            detail="A disabled account pushes, accepts and places nothing until it is enabled.",
            cancel_url=reverse("contacts:cc_index"),
        )
    ):
        return page
    account.enabled = not account.enabled
    account.save(update_fields=["enabled"])
    audit.record(account, request.user, "enabled" if account.enabled else "disabled")
    messages.success(request, f"{account.name} {'enabled' if account.enabled else 'disabled'}.")
    return redirect("contacts:cc_index")


@require_POST
@tenant_view("support")
def cc_test(request, pk):
    account = get_for_tenant(ContactCenterAccount, request.tenant, pk=pk)
    try:
        user = platform_for(account).whoami()
    except ConnectorError as exc:
        audit.record(account, request.user, "test_failed", {"error": str(exc)[:500]})
        messages.error(request, f"{account.name}: {exc}")
    else:
        audit.record(account, request.user, "tested", {"user": user[:200]})
        messages.success(request, f"{account.name} answers: logged in as {user}.")
    return redirect("contacts:cc_index")


@require_POST
@tenant_view("support")
def cc_push(request):
    job, created = start_push(request.tenant.pk)
    if job is None:
        messages.error(request, "No enabled contact-center account that takes contacts.")
    elif created:
        messages.success(request, f"Push started (job #{job.pk}).")
    else:
        messages.info(request, f"A push is already running (job #{job.pk}).")
    return redirect("contacts:sync")
