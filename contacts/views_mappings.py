"""Pages: field mappings (CRM field picker from live metadata) and user mappings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from connectors.capabilities import Capability, refusal
from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount
from contacts import hooks, metadata
from contacts.forms import FieldMappingForm, UserMappingForm
from contacts.matching import crm_users, match_users
from contacts.models import FieldMapping, MatchedBy, UserMapping
from contacts.sync import request_full_sync
from contacts.views import connectors_of
from platforms import agent_status
from platforms.models import ContactCenterAccount
from platforms.registry import platform_for
from tenants.scoping import get_for_tenant, tenant_view
from tenants.unique_fields import save_form


@tenant_view("viewer")
def field_mappings(request):
    tenant = request.tenant
    form = None
    if request.method == "POST":
        if not request.membership.has_role("admin"):
            return render(request, "tenants/forbidden.html", {"required_role": "admin"}, status=403)
        form = FieldMappingForm(request.POST, tenant=tenant)
        if form.is_valid():
            d = form.cleaned_data
            mapping = FieldMapping(
                tenant=tenant,
                connector=d["connector"],
                crm_object=d["crm_object"],
                crm_field=d["crm_field"],
                cc_field=d["cc_field"],
            )
            if save_form(form, mapping.save, FieldMapping):  # False: mapped meanwhile
                request_full_sync(d["connector"])
                messages.success(request, f"{d['crm_field']} is mapped to {d['cc_field']}.")
                return redirect("contacts:field_mappings")
    elif connectors_of(tenant).exists() and request.membership.has_role("admin"):
        initial = (
            {"connector": request.GET.get("connector")} if request.GET.get("connector") else {}
        )
        form = FieldMappingForm(initial=initial, tenant=tenant)
    mappings = FieldMapping.objects.for_tenant(tenant).select_related("connector")
    return render(
        request,
        "contacts/field_mappings.html",
        {
            "form": form,
            "mappings": mappings,
            "tab": "fields",
            "has_connectors": connectors_of(tenant).exists(),
        },
    )


@tenant_view("admin")
def crm_field_options(request):
    """htmx: the CRM object + field picker for the chosen connector (live metadata)."""
    form = FieldMappingForm(
        data={
            "connector": request.GET.get("connector", ""),
            "crm_object": request.GET.get("crm_object", ""),
        },
        tenant=request.tenant,
    )
    if form._account() is None:
        form.metadata_error = "Choose a connector."
    return render(request, "contacts/_crm_field_picker.html", {"form": form, "partial": True})


@require_POST
@tenant_view("admin")
def field_mapping_delete(request, pk):
    mapping = get_for_tenant(FieldMapping, request.tenant, pk=pk)
    request_full_sync(mapping.connector)
    mapping.delete()
    metadata.forget(mapping.connector)
    messages.success(request, f"Mapping of {mapping.crm_field} removed.")
    return redirect("contacts:field_mappings")


def _selected_connector(request):
    qs = connectors_of(request.tenant)
    raw = request.GET.get("connector") or request.POST.get("connector") or ""
    return (qs.filter(pk=raw).first() if raw.isdigit() else None) or qs.first()


@tenant_view("viewer")
def user_mappings(request):
    account = _selected_connector(request)
    form = UserMappingForm(connector=account)
    if request.method == "POST" and account is not None:
        if not request.membership.has_role("admin"):
            return render(request, "tenants/forbidden.html", {"required_role": "admin"}, status=403)
        form = UserMappingForm(request.POST, connector=account)
        if form.is_valid():
            mapping = form.save(commit=False)
            mapping.tenant, mapping.connector = request.tenant, account
            if save_form(form, mapping.save):  # False: the agent was added meanwhile
                messages.success(request, f"Agent {mapping.agent_id} added.")
                return redirect(f"{reverse('contacts:user_mappings')}?connector={account.pk}")
    users, users_error = [], ""
    if account is not None and request.GET.get("users") != "0":
        try:
            users = crm_users(account)
        except (ConnectorError, NotImplementedError) as exc:
            users_error = str(exc) or "not supported"
    mappings = list(UserMapping.objects.for_tenant(request.tenant).filter(connector=account))
    status_of = agent_status.statuses(request.tenant, [m.agent_id for m in mappings])
    users_by_id = {u.crm_id: u for u in users}
    for m in mappings:
        m.agent_status = status_of.get(m.agent_id)  # platforms.models.AgentStatus or None
        m.crm_user = users_by_id.get(m.crm_user_id)  # the name to show instead of the id
    default_owner = hooks.default_owner(account)
    return render(
        request,
        "contacts/user_mappings.html",
        {
            "account": account,
            "connectors": connectors_of(request.tenant),
            "mappings": mappings,
            "form": form,
            "users": users,
            "users_by_id": users_by_id,
            "users_error": users_error,
            "default_owner": default_owner,
            "default_owner_user": users_by_id.get((default_owner or {}).get("value")),
            "has_cc": ContactCenterAccount.objects.for_tenant(request.tenant)
            .filter(enabled=True)
            .exists(),
            "tab": "users",
        },
    )


@require_POST
@tenant_view("admin")
def match_users_view(request, connector_id):
    account = get_for_tenant(ConnectorAccount, request.tenant, pk=connector_id)
    if not account.provider.can(Capability.USERS):
        messages.error(request, refusal(account.kind, Capability.USERS))
        return redirect(f"{reverse('contacts:user_mappings')}?connector={account.pk}")
    try:
        matched, unmatched = match_users(account)
    except (ConnectorError, NotImplementedError) as exc:
        messages.error(request, f"Could not read the CRM's users: {exc}")
    else:
        text = f"Matched {matched} agent(s) by email."
        if unmatched:
            text += f" Not matched: {', '.join(unmatched)}."
        messages.success(request, text)
    return redirect(f"{reverse('contacts:user_mappings')}?connector={account.pk}")


@require_POST
@tenant_view("admin")
def user_mapping_update(request, pk):
    """Manual choice of the CRM user (or clearing it), and the override email."""
    mapping = get_for_tenant(UserMapping, request.tenant, pk=pk)
    back = f"{reverse('contacts:user_mappings')}?connector={mapping.connector_id}"
    if "crm_email" in request.POST:
        email = request.POST["crm_email"].replace("\x00", "").strip()[:254]
        try:
            if email:
                validate_email(email)
        except ValidationError:
            messages.error(request, f"{email!r} is not an email address.")
            return redirect(back)
        mapping.crm_email = email
    if "crm_user_id" in request.POST:
        mapping.crm_user_id = request.POST["crm_user_id"].replace("\x00", "").strip()[:64]
        mapping.matched_by = MatchedBy.MANUAL if mapping.crm_user_id else MatchedBy.NONE
    # Only what this form changed: a concurrent save of the other field is not undone.
    changed = ["crm_email"] if "crm_email" in request.POST else []
    if "crm_user_id" in request.POST:
        changed += ["crm_user_id", "matched_by"]
    mapping.save(update_fields=[*changed, "updated_at"])
    messages.success(request, f"Agent {mapping.agent_id} saved.")
    return redirect(back)


@require_POST
@tenant_view("admin")
def user_mapping_delete(request, pk):
    mapping = get_for_tenant(UserMapping, request.tenant, pk=pk)
    mapping.delete()
    messages.success(request, f"Agent {mapping.agent_id} removed.")
    return redirect(f"{reverse('contacts:user_mappings')}?connector={mapping.connector_id}")


@require_POST
@tenant_view("admin")
def import_agents(request, connector_id):
    """List the contact centers' agents (Daktela: /users.json) as agents of this connector."""
    account = get_for_tenant(ConnectorAccount, request.tenant, pk=connector_id)
    added = 0
    for cc in ContactCenterAccount.objects.for_tenant(request.tenant).filter(enabled=True):
        try:
            agents = platform_for(cc).list_agents()
        except ConnectorError as exc:
            messages.error(request, f"{cc.name}: {exc}")
            continue
        rows = [
            UserMapping(
                tenant=request.tenant,
                connector=account,
                agent_id=agent.agent_id[:128],
                agent_email=agent.email[:254],
            )
            for agent in agents
        ]
        before = UserMapping.objects.for_tenant(account.tenant_id).filter(connector=account).count()
        UserMapping.objects.bulk_create(rows, ignore_conflicts=True)
        added += (
            UserMapping.objects.for_tenant(account.tenant_id).filter(connector=account).count()
            - before
        )
    messages.success(request, f"{added} agent(s) added from the contact center.")
    return redirect(f"{reverse('contacts:user_mappings')}?connector={account.pk}")
