"""The portal's one date format, in the tenant's time zone with the zone named.

Every page shows times through these filters (a builtin: no `{% load %}` needed):

    {{ call.started_at|when }}            1 Dec 2026, 14:05 CET
    {{ attempt.at|when:"seconds" }}       1 Dec 2026, 14:05:09 CET
    {{ day|when:"date" }}                 1 Dec 2026
    {{ event.at|when:"time" }}            14:05:09 CET
    {{ pause.until|when:"minutes" }}      14:05 CET
    {{ day|when:"weekday" }}              Tue 1 Dec 2026   (a day of a table of days)
    {{ day|when:"short" }}                1 Dec            (a chart axis; the year is in the heading)

Python code writing display text uses `when(value, style)` the same way (calls/reasons.py).

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
    "minutes": "H:i T",
    "weekday": "D j M Y",
    "short": "j M",
}
DATE_STYLES = {"date", "weekday", "short"}  # the styles that also apply to a date without time


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
        return dateformat.format(value, fmt if style in DATE_STYLES else FORMATS["date"])
    return str(value)
