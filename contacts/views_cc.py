"""Pages: contact-center accounts (platforms/, e.g. Daktela V6) the contacts are pushed to."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from connectors.errors import ConnectorError
from contacts.models import Contact
from contacts.push import start_push
from platforms.models import ContactCenterAccount, ContactCenterKind
from platforms.registry import account_form, platform_for
from tenants.scoping import get_for_tenant, tenant_view
from tenants.unique_fields import save_form


@tenant_view("viewer")
def cc_index(request):
    tenant = request.tenant
    form = None
    if request.membership.has_role("admin"):
        form = account_form(ContactCenterKind.DAKTELA)(request.POST or None, tenant=tenant)
        if request.method == "POST" and form.is_valid() and save_form(form, form.save):
            account = form.instance
            messages.success(request, f"{account.name} added. Contacts are pushed after each sync.")
            return redirect("contacts:cc_index")
    elif request.method == "POST":
        return render(request, "tenants/forbidden.html", {"required_role": "admin"}, status=403)
    return render(
        request,
        "contacts/contact_center.html",
        {
            "accounts": ContactCenterAccount.objects.for_tenant(tenant),
            "pending": Contact.objects.for_tenant(tenant).filter(pushed_at__isnull=True).count(),
            "form": form,
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
        messages.success(request, f"{account.name} saved.")
        return redirect("contacts:cc_index")
    context = {"form": form, "account": account, "tab": "cc"}
    return render(
        request, "contacts/cc_edit.html", context, status=400 if request.method == "POST" else 200
    )


@require_POST
@tenant_view("admin")
def cc_delete(request, pk):
    account = get_for_tenant(ContactCenterAccount, request.tenant, pk=pk)
    account.delete()
    messages.success(request, f"{account.name} removed.")
    return redirect("contacts:cc_index")


@require_POST
@tenant_view("support")
def cc_test(request, pk):
    account = get_for_tenant(ContactCenterAccount, request.tenant, pk=pk)
    try:
        user = platform_for(account).whoami()
    except ConnectorError as exc:
        messages.error(request, f"{account.name}: {exc}")
    else:
        messages.success(request, f"{account.name} answers: logged in as {user}.")
    return redirect("contacts:cc_index")


@require_POST
@tenant_view("support")
def cc_push(request):
    job, created = start_push(request.tenant.pk)
    if job is None:
        messages.error(request, "No enabled contact-center account.")
    elif created:
        messages.success(request, f"Push started (job #{job.pk}).")
    else:
        messages.info(request, f"A push is already running (job #{job.pk}).")
    return redirect("contacts:sync")
