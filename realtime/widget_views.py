"""The agent's activity widget (seed 000): a compact page the contact center shows in an iframe.

    /widget/activity/?clid=77379604&direction=in&callid=1WS.58184&activity=activities_181s&token=...

It is framed by another origin, so it is exempt from the site-wide X-Frame-Options DENY, and
the site-wide Content-Security-Policy (django-csp) has its `frame-ancestors` replaced by
`'self' <tenant.frame_ancestors>` for this response: one CSP header, the tenant's origins.
"""

from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from realtime import services
from realtime.widget import TokenError, create_links, frame_ancestors, verify_token

MAX_PARAM = 200


def _param(request, name: str) -> str:
    return (request.GET.get(name) or "").strip()[:MAX_PARAM]


def _clid(request) -> str:
    """The caller id; an unencoded '+' in the contact center's URL arrives as a space."""
    raw = (request.GET.get("clid") or "")[:MAX_PARAM]
    if raw.startswith(" ") and raw.strip()[:1].isdigit():
        return "+" + raw.strip()
    return raw.strip()


def _framed(response, tenant):
    response._csp_replace = {"frame-ancestors": frame_ancestors(tenant)}  # read by CSPMiddleware
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to the CRM via Referer
    response["Cache-Control"] = "no-store"
    return response


def _refuse(request, message: str, tenant=None, status=403):
    response = render(request, "realtime/widget_error.html", {"message": message}, status=status)
    return _framed(response, tenant)


@require_GET
@xframe_options_exempt
def activity_widget(request):
    token = request.GET.get("token")
    if token:
        try:
            tenant, _row = verify_token(token)
        except TokenError as exc:
            return _refuse(request, str(exc), exc.tenant)
    elif request.user.is_authenticated and request.tenant is not None:
        tenant = request.tenant
    elif request.user.is_authenticated:
        return _refuse(request, "Your portal account is not a member of any tenant.")
    else:
        return _refuse(
            request,
            "Sign in to the portal, or use the widget URL with its token from "
            "Real-time \u203a Widget.",
        )
    clid = _clid(request)
    contacts = services.find_contacts(tenant, clid)
    context = {
        "clid": clid,
        "direction": _param(request, "direction"),
        "callid": _param(request, "callid"),
        "activity": _param(request, "activity"),
        "contacts": contacts,
        "create_links": [] if contacts or not clid else create_links(tenant, clid),
    }
    return _framed(render(request, "realtime/widget.html", context), tenant)
