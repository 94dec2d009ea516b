"""The portal's one date format, in the tenant's time zone with the zone named.

Every page shows times through these filters (a builtin: no `{% load %}` needed):

    {{ call.started_at|when }}            1 Dec 2026, 14:05 CET
    {{ attempt.at|when:"seconds" }}       1 Dec 2026, 14:05:09 CET
    {{ day|when:"date" }}                 1 Dec 2026
    {{ event.at|when:"time" }}            14:05:09 CET

tenants/middleware.py activates the tenant's zone (Settings > Time zone) for each request, so
`localtime` is the tenant's time; the abbreviation (CET, CEST, UTC, or an offset like +03 where
the zone has no name) says which zone the reader is looking at.
"""

from datetime import date, datetime

from django import template
from django.utils import dateformat, timezone

register = template.Library()

FORMATS = {
    "": "j M Y, H:i T",
    "seconds": "j M Y, H:i:s T",
    "date": "j M Y",
    "time": "H:i:s T",
}


@register.filter
def when(value, style: str = "") -> str:
    """A date-time (or date) in the portal's format; "" for None (so `|default:` applies)."""
    if value in (None, ""):
        return ""
    fmt = FORMATS.get(style, FORMATS[""])
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return dateformat.format(value, fmt)
    if isinstance(value, date):
        return dateformat.format(value, FORMATS["date"])
    return str(value)
