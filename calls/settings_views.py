"""Admin pages: call sync settings per connector and the request-signing secrets."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from calls import signing
from calls.forms import CallSyncSettingsForm, SecretForm
from calls.models import CallSyncSettings, WebhookSecret
from connectors.capabilities import Capability, refusal
from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount, ConnectorStatus
from contacts.matching import crm_users
from tenants import confirm
from tenants.scoping import get_for_tenant, tenant_view


def default_owner(account) -> dict:
    """The per-connector default CRM owner of unmatched agents, and the page that sets it
    (shown on the contacts app's user-mappings page through contacts.hooks)."""
    st = CallSyncSettings.objects.for_tenant(account.tenant_id).filter(connector=account).first()
    try:
        url = reverse("calls:connector_settings", args=[account.pk])
    except NoReverseMatch:
        url = ""
    return {"value": st.default_owner_crm_id if st else "", "url": url}


@tenant_view("admin")
def settings_index(request):
    return _render_settings(request)


def _render_settings(request, new_secret: str = ""):
    connectors = list(ConnectorAccount.objects.for_tenant(request.tenant).order_by("name"))
    for c in connectors:
        c.call_settings = CallSyncSettings.for_connector(c)
    return render(
        request,
        "calls/settings.html",
        {
            "connectors": connectors,
            "secrets": WebhookSecret.objects.for_tenant(request.tenant),
            "secret_form": SecretForm(),
            "new_secret": new_secret,
        },
    )


@tenant_view("admin")
def connector_settings(request, pk):
    connector = get_for_tenant(ConnectorAccount, request.tenant, pk=pk)
    if not connector.provider.can(Capability.CALL_LOG):
        messages.error(request, refusal(connector.kind, Capability.CALL_LOG))
        return redirect("calls:settings")
    conf = CallSyncSettings.for_connector(connector)
    users, users_error = [], ""
    if connector.status != ConnectorStatus.AUTHORIZED:
        users_error = "authorize the connector first"
    elif connector.provider.can(Capability.USERS):
        try:  # the default-owner dropdown, as on the user-mappings page
            users = crm_users(connector)
        except (ConnectorError, NotImplementedError) as exc:
            users_error = str(exc) or "not supported"
    form = CallSyncSettingsForm(
        request.POST or None,
        instance=conf,
        connector=connector,
        users=users,
        users_error=users_error,
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Call sync settings of {connector.name} saved.")
        return redirect("calls:settings")
    return render(request, "calls/connector_settings.html", {"form": form, "connector": connector})


@require_POST
@tenant_view("admin")
def secret_generate(request):
    form = SecretForm(request.POST)
    label = form.cleaned_data["label"] if form.is_valid() else ""
    _obj, raw = signing.create_secret(request.tenant, label)
    # Shown once, in this response only; afterwards only its prefix is displayed.
    return _render_settings(request, new_secret=raw)


@require_POST
@tenant_view("admin")
def secret_retire(request, pk):
    secret = get_for_tenant(WebhookSecret, request.tenant, pk=pk)
    question = f"Retire the secret {secret.prefix}…?"
    detail = "Requests signed only with it are refused from then on."
    if page := confirm.ask(request, question, action="Retire", detail=detail):
        return page
    secret.retire()
    messages.success(
        request, f"Secret {secret.prefix}… retired: requests signed only with it are now refused."
    )
    return redirect("calls:settings")
