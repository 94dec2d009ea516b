from tenants.models import Membership


def tenant(request):
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"tenant": None, "membership": None, "memberships": []}
    return {
        "tenant": membership.tenant,
        "membership": membership,
        "role": membership.role,
        "is_admin": membership.has_role("admin"),
        "is_support": membership.has_role("support"),
        "memberships": Membership.objects.filter(user=request.user, tenant__active=True)
        .select_related("tenant")
        .order_by("tenant__name"),
    }
