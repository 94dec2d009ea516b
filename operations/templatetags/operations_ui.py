"""`{% overview_health %}`: the Overview page's health card (templates/operations/_health.html).

An inclusion tag, so the Overview (tenants, a lower layer) shows it with one template line and
imports nothing from operations."""

from django import template

from operations.health import tenant_health

register = template.Library()


@register.inclusion_tag("operations/_health.html", takes_context=True)
def overview_health(context):
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {"health": None}
    return {"health": tenant_health(tenant), "is_admin": context.get("is_admin")}
