"""Links to URLs that come from outside (CRMs, telephony platforms, tenant rules).

    {% load links %}
    {{ call.recording_url|http_link:"listen" }}   -> <a href=...>listen</a>, or the text itself
    {% if r.crm_record_url|is_http %}<a class="..." href="{{ r.crm_record_url }}">{% endif %}

A value that is not http(s) (e.g. a `javascript:` URL stored before input was validated) is
shown as text, never as a link.
"""

from django import template
from django.utils.html import format_html

from portal.links import is_http_url

register = template.Library()


@register.filter
def is_http(value) -> bool:
    return is_http_url(value)


@register.filter
def http_link(value, label=""):
    if not value:
        return ""
    if is_http_url(value):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', value, label or value
        )
    return format_html('<span class="mono" title="Not an http(s) link">{}</span>', value)
