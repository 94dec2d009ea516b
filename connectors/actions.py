"""POST-only actions on one connector account (tenant admins only, CSRF-protected).

Authorize, Test and Disconnect talk to the CRM inside the request: they are single calls bounded
by the HTTP seam's timeouts (portal.http), so no background job is needed.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from connectors import services, ui
from connectors.models import ConnectorAccount
from tenants import confirm
from tenants.scoping import get_for_tenant, tenant_view


def _account(request, pk: int) -> ConnectorAccount:
    return get_for_tenant(ConnectorAccount, request.tenant, pk=pk)


def back(request, account: ConnectorAccount | None = None):
    """Return to the page the button was on (a same-site `next`), else Configure / the list."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    if account is not None and account.pk:
        return redirect("connectors:configure", pk=account.pk)
    return redirect("connectors:index")


def report(request, result: services.ActionResult, success_prefix: str = "") -> None:
    """Show an action's outcome: the test call's findings, or the CRM's reason and what to do."""
    if result.ok and result.warning:  # done here, but the admin has something to finish
        messages.warning(request, _with_hint(result))
    elif result.ok:
        details = ui.describe_info(result.info)
        text = success_prefix or result.message
        messages.success(request, f"{text} {details}." if details else text)
    else:
        messages.error(request, _with_hint(result))


def _with_hint(result: services.ActionResult) -> str:
    message = result.message.rstrip()
    if result.hint:
        message = f"{message}{'' if message.endswith(('.', '!', '?')) else '.'} {result.hint}"
    return message


@require_POST
@tenant_view("admin")
def authorize(request, pk: int):
    account = _account(request, pk)
    result = services.authorize_account(account, actor=request.user)
    report(request, result, f"{account.name} is authorized. Test call:")
    return back(request, account)


@require_POST
@tenant_view("admin")
def test(request, pk: int):
    account = _account(request, pk)
    report(request, services.test_account(account), "The connection works. Test call:")
    return back(request, account)


@require_POST
@tenant_view("admin")
def disconnect(request, pk: int):
    account = _account(request, pk)
    if page := confirm.ask(
        request,
        f"Disconnect {account.name}?",
        action="Disconnect",
        detail="The CRM's token is dropped (and the integration switched off in the CRM where "
        "Authorize registered one); syncing stops until you authorize again. Settings stay.",
    ):
        return page
    # Tells the CRM first where the connector registered something there (retailCRM's module):
    # one call bounded by portal.http's timeouts; the local disconnect happens either way.
    report(request, services.disconnect_account(account, actor=request.user))
    return back(request, account)


@require_POST
@tenant_view("admin")
def enable(request, pk: int):
    account = _account(request, pk)
    services.set_enabled(account, actor=request.user, enabled=True)
    messages.success(request, f"{account.name} is enabled.")
    return back(request, account)


@require_POST
@tenant_view("admin")
def disable(request, pk: int):
    account = _account(request, pk)
    if page := confirm.ask(
        request,
        f"Disable {account.name}?",
        action="Disable",
        detail="Nothing syncs through it until it is enabled again.",
    ):
        return page
    services.set_enabled(account, actor=request.user, enabled=False)
    messages.success(request, f"{account.name} is disabled: nothing syncs through it.")
    return back(request, account)
