"""Integrations pages: the list of CRM cards, Configure (add/edit), Delete and the audit log.

The POST actions (Authorize, Test, Disconnect, Enable/Disable) are in connectors/actions.py,
the OAuth web-server flow in connectors/oauth.py. Admins configure; support and viewers read.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render

from connectors import registry, services, ui
from connectors.models import ConnectorAccount, ConnectorAuditEntry
from connectors.registry import PROVIDERS
from tenants.scoping import get_for_tenant, tenant_view
from tenants.unique_fields import save_form


@tenant_view("viewer")
def index(request):
    return render(
        request,
        "connectors/index.html",
        {"kinds": ui.kinds_with_accounts(request.tenant), "can_edit": _is_admin(request)},
    )


@tenant_view("admin")
def add(request, kind: str):
    if kind not in PROVIDERS:
        raise Http404("Unknown CRM")
    account = ConnectorAccount(tenant=request.tenant, kind=kind)
    return _configure(request, account)


@tenant_view("admin")
def configure(request, pk: int):
    return _configure(request, get_for_tenant(ConnectorAccount, request.tenant, pk=pk))


def _configure(request, account: ConnectorAccount):
    creating = account.pk is None
    form_class = registry.provider(account.kind).form_class
    secrets_set = {} if creating else account.secret_flags_by_name()
    data = request.POST if request.method == "POST" else None
    initial_name = account.name
    if creating:
        label = ui.kind_info(account.kind).label
        taken = ConnectorAccount.objects.for_tenant(request.tenant).filter(name=label).exists()
        initial_name = "" if taken else label
    name_form = ui.AccountNameForm(
        data, tenant=request.tenant, instance=account, initial={"name": initial_name}
    )
    form = form_class(data, initial=account.settings or None, secrets_set=secrets_set)
    ui.mark_secret_fields(form)
    both_valid = request.method == "POST" and all([name_form.is_valid(), form.is_valid()])
    if both_valid:
        settings, credentials = form.split()

        def save():  # both forms valid: nothing is half-written (save_account is atomic)
            services.save_account(
                account,
                actor=request.user,
                name=name_form.cleaned_data["name"],
                settings=settings,
                credentials=credentials,
            )

        # False: the name was taken by a concurrent save; the error is on name_form.
        if save_form(name_form, save, ConnectorAccount):
            verb = "added" if creating else "saved"
            next_step = "" if account.status == "authorized" else " Click Authorize to test them."
            messages.success(request, f"{account.name} {verb}.{next_step}")
            return redirect("connectors:configure", pk=account.pk)
    if not creating:
        ui.decorate(account)
    kind = ui.kind_info(account.kind)
    return render(
        request,
        "connectors/configure.html",
        {
            "account": account,
            "creating": creating,
            "kind": kind,
            "form": form,
            "name_form": name_form,
            "guide_templates": [
                registry.provider(account.kind).guide_template
                or f"connectors/guides/{account.kind}.html",
                "connectors/guides/fallback.html",
            ],
        },
        status=400 if request.method == "POST" else 200,
    )


@tenant_view("admin")
def delete(request, pk: int):
    account = get_for_tenant(ConnectorAccount, request.tenant, pk=pk)
    if request.method == "POST":
        name = account.name
        services.delete_account(account, actor=request.user)
        messages.success(request, f"{name} deleted.")
        return redirect("connectors:index")
    return render(
        request,
        "connectors/delete.html",
        {"account": account, "goes_too": ui.deletion_summary(account)},
    )


@tenant_view("viewer")
def audit(request, pk: int):
    account = get_for_tenant(ConnectorAccount, request.tenant, pk=pk)
    entries = ConnectorAuditEntry.objects.for_tenant(request.tenant).filter(connector=account)
    return _audit_page(request, entries, account)


@tenant_view("viewer")
def audit_all(request):
    """Every connector's changes, including those of deleted connectors."""
    return _audit_page(request, ConnectorAuditEntry.objects.for_tenant(request.tenant), None)


def _audit_page(request, entries, account):
    page = Paginator(entries.select_related("connector"), 50).get_page(request.GET.get("page"))
    for entry in page:
        kind = entry.connector.kind if entry.connector else account.kind if account else ""
        ui.decorate_entry(entry, kind)
    return render(
        request, "connectors/audit.html", {"account": account, "page": page, "entries": page}
    )


def _is_admin(request) -> bool:
    return bool(request.membership and request.membership.has_role("admin"))
