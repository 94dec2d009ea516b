"""The agent's activity widget (seed 000): a compact page the contact center shows in an iframe.

    /widget/activity/?clid=77379604&direction=in&callid=1WS.58184&activity=activities_181s&token=...

It is framed by another origin, so it is exempt from the site-wide X-Frame-Options DENY, and
the site-wide Content-Security-Policy (django-csp) has its `frame-ancestors` replaced by
`'self' <tenant.frame_ancestors>` for this response: one CSP header, the tenant's origins.

The caller's records come from `contacts.lookup` (the store, then a live CRM search); with none,
POST /widget/activity/create/ creates the caller in a CRM whose unknown-caller rule says so
(realtime/widget_create.py). That POST carries the signed widget token, which a cross-site page
cannot know (the CSRF cookie is not sent to a cross-site iframe); without a token it is a
portal session and Django's CSRF check applies.
"""

from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from realtime import services, widget_call, widget_create
from realtime.widget import TokenError, call_tickets, create_links, frame_ancestors, verify_token

MAX_PARAM = 200
CALL_PARAMS = ("direction", "callid", "activity")


def _param(data, name: str) -> str:
    return (data.get(name) or "").strip()[:MAX_PARAM]


def _clid(data) -> str:
    """The caller id; an unencoded '+' in the contact center's URL arrives as a space."""
    raw = (data.get("clid") or "")[:MAX_PARAM]
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


def _tenant(request, token: str | None):
    """(tenant, None) for a valid token or a member's session, else (None, the 403 page)."""
    if token:
        try:
            return verify_token(token)[0], None
        except TokenError as exc:
            return None, _refuse(request, str(exc), exc.tenant)
    if request.user.is_authenticated and request.tenant is not None:
        return request.tenant, None
    if request.user.is_authenticated:
        return None, _refuse(request, "Your portal account is not a member of any tenant.")
    return None, _refuse(
        request,
        "Sign in to the portal, or use the widget URL with its token from Real-time \u203a Widget.",
    )


def _page(request, tenant, data, matches, *, notice="", error="", status=200):
    clid = _clid(data)
    rows = services.widget_rows(tenant, matches)
    offers = [] if rows or not clid else widget_create.offers(tenant)
    offered = {o.account.pk for o in offers}
    links = [] if rows or not clid else create_links(tenant, clid, exclude=offered)
    context = {
        "clid": clid,
        **{name: _param(data, name) for name in CALL_PARAMS},
        "token": data.get("token") or "",
        "rows": rows,
        "tickets": call_tickets(tenant, _param(data, "callid")),
        "offers": offers,
        "create_links": links,
        # the Call link: a signed-in agent only (a token names a tenant, not an agent)
        "can_call": not data.get("token") and bool(rows) and widget_call.can_call(tenant),
        "notice": notice,
        "error": error,
    }
    return _framed(render(request, "realtime/widget.html", context, status=status), tenant)


@require_GET
@xframe_options_exempt
def activity_widget(request):
    tenant, refused = _tenant(request, request.GET.get("token"))
    if refused:
        return refused
    return _page(request, tenant, request.GET, services.find_matches(tenant, _clid(request.GET)))


@require_POST
@csrf_exempt  # checked below unless the signed token authenticates the POST
@xframe_options_exempt
def activity_widget_create(request):
    token = request.POST.get("token")
    if not token:
        rejected = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
        if rejected is not None:
            return _refuse(request, "The form expired: reload the widget and click again.")
    tenant, refused = _tenant(request, token)
    if refused:
        return refused
    clid = _clid(request.POST)
    try:
        result = widget_create.create_caller(tenant, request.POST.get("connector"), clid)
    except LookupError:
        return _refuse(request, "That CRM connector does not exist.", tenant, status=404)
    if result.ok:
        return _page(request, tenant, request.POST, result.matches, notice=result.message)
    matches = services.find_matches(tenant, clid)
    return _page(request, tenant, request.POST, matches, error=result.message, status=400)


@require_POST
@xframe_options_exempt
def activity_widget_call(request):
    """Place a call to one of the caller's numbers for the signed-in agent (session + CSRF)."""
    tenant, refused = _tenant(request, None)
    if refused:
        return refused
    outcome = widget_call.place(tenant, request.user, _param(request.POST, "number"))
    matches = services.find_matches(tenant, _clid(request.POST))
    if outcome.ok:
        return _page(request, tenant, request.POST, matches, notice=outcome.message)
    return _page(request, tenant, request.POST, matches, error=outcome.message, status=400)
