"""OAuth 2.0 web-server (authorization code) flow for kinds with Capability.WEB_FLOW.

Start: a random `state` bound to (account, tenant) is kept in the session and the admin's
browser goes to the CRM's login. Callback: the state is popped (single use); a missing or
unknown state is a 403 and nothing is stored (RFC 6749 section 10.12, CSRF on the redirect).
A provider error (`error=access_denied`) is shown in words; otherwise the code is exchanged
for a token, tested, and the account is marked authorized.
"""

import secrets
import time

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from connectors import services
from connectors.actions import report
from connectors.capabilities import Capability, refusal
from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount, ConnectorStatus
from tenants.scoping import get_for_tenant, tenant_view

SESSION_KEY = "connector_oauth"
STATE_TTL_SECONDS = 15 * 60
MAX_PENDING = 5  # a few tabs at once; older pending states are dropped


def callback_url(request) -> str:
    return request.build_absolute_uri(reverse("connectors:oauth_callback"))


def remember_state(request, account: ConnectorAccount) -> str:
    state = secrets.token_urlsafe(32)
    now = time.time()
    pending = {
        key: value
        for key, value in (request.session.get(SESSION_KEY) or {}).items()
        if now - value.get("at", 0) < STATE_TTL_SECONDS
    }
    pending[state] = {"account": account.pk, "tenant": account.tenant_id, "at": now}
    newest = sorted(pending.items(), key=lambda item: item[1]["at"])[-MAX_PENDING:]
    request.session[SESSION_KEY] = dict(newest)
    return state


def pop_state(request, state: str) -> dict | None:
    pending = dict(request.session.get(SESSION_KEY) or {})
    entry = pending.pop(state, None) if state else None
    request.session[SESSION_KEY] = pending
    if entry is None or time.time() - entry.get("at", 0) >= STATE_TTL_SECONDS:
        return None
    return entry


@require_POST
@tenant_view("admin")
def start(request, pk: int):
    account = get_for_tenant(ConnectorAccount, request.tenant, pk=pk)
    if not account.provider.can(Capability.WEB_FLOW):
        messages.error(request, refusal(account.kind, Capability.WEB_FLOW))
        return redirect("connectors:configure", pk=account.pk)
    connector = account.connector
    if account.status == ConnectorStatus.DISABLED:
        messages.error(request, f"{account.name} is disabled. {services.HINT_DISABLED}")
        return redirect("connectors:configure", pk=account.pk)
    state = remember_state(request, account)
    try:
        url = connector.authorization_url(state, callback_url(request))
    except ConnectorError as exc:
        pop_state(request, state)
        messages.error(request, f"{exc} {services.explain(exc, account.kind)[1]}")
        return redirect("connectors:configure", pk=account.pk)
    return redirect(url)


def _refuse(request, reason: str):
    return render(request, "connectors/oauth_error.html", {"reason": reason}, status=403)


@tenant_view("admin")
def callback(request):
    state = request.GET.get("state", "")
    if not state:
        return _refuse(request, "The CRM sent the browser back without the state parameter.")
    entry = pop_state(request, state)
    if entry is None:
        return _refuse(
            request,
            "This authorization was not started from this browser session, was already "
            "used, or expired.",
        )
    if entry["tenant"] != request.tenant.pk:
        return _refuse(request, "This authorization was started for another tenant.")
    account = ConnectorAccount.objects.for_tenant(request.tenant).filter(pk=entry["account"])
    account = account.first()
    if account is None:
        messages.error(request, "The connector was deleted while you were logging in.")
        return redirect("connectors:index")
    label = account.get_kind_display()
    error = request.GET.get("error", "")
    if error:
        description = request.GET.get("error_description", "") or error
        services.web_authorization_refused(
            account, actor=request.user, error=error, description=description
        )
        what = "Access was declined" if error == "access_denied" else "The login failed"
        messages.error(
            request,
            f"{what} in {label}: {description}. Nothing was changed. To connect, click "
            f"'Authorize in {label}' again and allow access.",
        )
        return redirect("connectors:configure", pk=account.pk)
    code = request.GET.get("code", "")
    if not code:
        messages.error(request, f"{label} sent no authorization code. Nothing was changed.")
        return redirect("connectors:configure", pk=account.pk)
    result = services.complete_web_authorization(
        account, actor=request.user, code=code, redirect_uri=callback_url(request)
    )
    report(request, result, f"{account.name} is authorized. Test call:")
    return redirect("connectors:configure", pk=account.pk)
