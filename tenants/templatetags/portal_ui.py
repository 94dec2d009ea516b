"""Template helpers for the UI shell: the section list (nav + home cards), icons, alerts.

Sections whose URL name does not resolve yet (an app without its `index` page) are left out,
so the shell never breaks while apps are being built.
"""

from dataclasses import dataclass

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@dataclass(frozen=True)
class Section:
    url_name: str
    label: str
    description: str
    icon: str
    role: str = "viewer"  # least role that sees the section in the menu


SECTIONS = [
    Section(
        "connectors:index",
        "Integrations",
        "Connect Salesforce, Dynamics 365, SugarCRM and retailCRM accounts.",
        "plug",
    ),
    Section(
        "contacts:index",
        "Contacts & Mappings",
        "Contacts imported from the CRMs, field and agent mappings.",
        "users",
    ),
    Section("calls:index", "Calls", "Call events and how they were synced to the CRM.", "phone"),
    Section(
        "calls:interactions",
        "Interactions",
        "E-mails, chats and SMS and how they were logged in the CRM.",
        "mail",
    ),
    Section(
        "automations:index",
        "Automations",
        "Triggers that open CRM tickets; callback requests turned into CRM phone calls.",
        "zap",
    ),
    Section(
        "realtime:index",
        "Routing",
        "Inbound routing rules, screen-pop rules and the agent activity widget.",
        "route",
    ),
    Section(
        "tenants:settings",
        "Settings",
        "Phone region, time zone, DNIS pattern, allowed frame ancestors.",
        "sliders",
        "admin",
    ),
    Section(
        "operations:notifications",
        "Alerts & data",
        "Alert e-mails and webhooks, retention periods, erasure of a person's data.",
        "bell",
        "admin",
    ),
    Section(
        "tenants:members",
        "Members",
        "Who can sign in to this tenant, with which role; invitations by e-mail.",
        "users",
        "admin",
    ),
    Section(
        "tenants:api_keys",
        "API keys",
        "Keys for the telephony platform and scripts.",
        "key",
        "admin",
    ),
]

# 24x24 stroke icons (drawn with currentColor, so they follow the text colour).
ICONS = {
    "home": "M3 11l9-8 9 8M5 10v10h5v-6h4v6h5V10",
    "plug": "M9 2v5M15 2v5M6 7h12v4a6 6 0 0 1-12 0zM12 17v5",
    "users": "M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8M22 21v-2a4 4 0 0 0-3-3.9M16 3.1a4 4 0 0 1 0 7.8",
    "phone": "M5 3h4l2 5-2.5 1.5a11 11 0 0 0 6 6L16 13l5 2v4a2 2 0 0 1-2 2A17 17 0 0 1 3 5a2 2 0 0 1 2-2z",
    "zap": "M13 2L3 14h9l-1 8 10-12h-9l1-8z",
    "route": "M6 3v12M6 21a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM18 9a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM18 9a9 9 0 0 1-9 9",
    "sliders": "M4 21v-7M4 10V3M12 21v-9M12 8V3M20 21v-5M20 12V3M1 14h6M9 8h6M17 16h6",
    "key": "M15 7a2 2 0 1 1 0 .01M10.6 12.4a5 5 0 1 1 2.9-2.9L21 17v4h-4v-2h-2v-2h-2z",
    "mail": "M4 4h16a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zM22 6l-10 7L2 6",
    "bell": "M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9M13.7 21a2 2 0 0 1-3.4 0",
    "book": "M4 19.5A2.5 2.5 0 0 1 6.5 17H20V3H6.5A2.5 2.5 0 0 0 4 5.5zM4 19.5A2.5 2.5 0 0 0 6.5 22H20v-5",
    "logout": "M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9",
    "menu": "M3 6h18M3 12h18M3 18h18",
}


@register.simple_tag
def icon(name: str, size: int = 18):
    path = ICONS.get(name, "")
    return format_html(
        '<svg class="icon" width="{}" height="{}" viewBox="0 0 24 24" fill="none" '
        'stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" '
        'aria-hidden="true"><path d="{}"/></svg>',
        size,
        size,
        path,
    )


@register.simple_tag(takes_context=True)
def portal_sections(context):
    """Sections the current member may see, with resolved URLs and the active flag."""
    request = context.get("request")
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    path = request.path
    found = []
    for section in SECTIONS:
        if not membership.has_role(section.role):
            continue
        try:
            url = reverse(section.url_name)
        except NoReverseMatch:
            continue  # that app has no landing page yet
        found.append(
            {
                "url": url,
                "label": section.label,
                "description": section.description,
                "icon": section.icon,
                "active": False,
            }
        )
    # The deepest section containing the page is active (/calls/interactions/: Interactions,
    # not Calls too).
    under = [s for s in found if path.startswith(s["url"]) and s["url"] != "/"]
    if under:
        max(under, key=lambda s: len(s["url"]))["active"] = True
    return found


ALERT_CLASSES = {
    "success": "ok",
    "warning": "warn",
    "error": "err",
    "info": "info",
    "debug": "info",
}


@register.filter
def alert_class(message) -> str:
    """Map a django.contrib.messages level tag to the .alert modifier of portal.css."""
    return ALERT_CLASSES.get(getattr(message, "level_tag", ""), "info")


@register.simple_tag
def brand_mark(size: int = 28):
    return mark_safe(  # noqa: S308 - constant markup
        f'<svg class="brand-mark" width="{size}" height="{size}" viewBox="0 0 32 32" '
        'aria-hidden="true"><rect width="32" height="32" rx="8" fill="currentColor"/>'
        '<circle cx="10" cy="16" r="4" fill="#fff"/><circle cx="22" cy="10" r="3" fill="#fff"/>'
        '<circle cx="22" cy="22" r="3" fill="#fff"/><path d="M13.5 14.5l6-3M13.5 17.5l6 3" '
        'stroke="#fff" stroke-width="2"/></svg>'
    )


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced, e.g. ?{% query_with page=2 %}."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()
