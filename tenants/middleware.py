from django.utils import timezone

from tenants.models import Membership

SESSION_KEY = "tenant_id"


def current_membership(request):
    """The membership for the tenant chosen in this session, else the user's first one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    memberships = Membership.objects.filter(user=user, tenant__active=True).select_related("tenant")
    chosen = request.session.get(SESSION_KEY)
    membership = None
    if chosen is not None:
        membership = memberships.filter(tenant_id=chosen).first()
    return membership or memberships.first()


class TenantMiddleware:
    """Sets request.membership and request.tenant for the browser UI, and shows its pages'
    times in the tenant's time zone (templates and forms use the active zone).

    API requests carry no session; their tenant is set by tenants.auth.ApiKeyAuthentication,
    and their times stay in UTC with an offset.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = current_membership(request)
        request.tenant = request.membership.tenant if request.membership else None
        with timezone.override(request.tenant.zone if request.tenant else None):
            return self.get_response(request)
