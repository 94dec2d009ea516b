from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tenants.middleware import SESSION_KEY
from tenants.models import Membership
from tenants.scoping import tenant_view


@tenant_view()
def home(request):
    return render(request, "tenants/home.html")


@login_required
@require_POST
def switch_tenant(request):
    membership = (
        Membership.objects.filter(
            user=request.user, tenant_id=request.POST.get("tenant"), tenant__active=True
        )
        .select_related("tenant")
        .first()
    )
    if membership is None:
        messages.error(request, "You are not a member of that tenant.")
    else:
        request.session[SESSION_KEY] = membership.tenant_id
        messages.success(request, f"Switched to {membership.tenant.name}.")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/"
    return redirect(target)
