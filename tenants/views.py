from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tenants.forms import ApiKeyForm, TenantSettingsForm, region_choices, time_zone_choices
from tenants.middleware import SESSION_KEY
from tenants.models import ApiKey, Membership
from tenants.scoping import tenant_view


@tenant_view()
def home(request):
    tenant = request.tenant
    context = {
        "member_count": tenant.memberships.count(),
        "active_keys": ApiKey.objects.active().filter(tenant=tenant).count(),
    }
    return render(request, "tenants/home.html", context)


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


def _forbidden(request, role: str):
    return render(request, "tenants/forbidden.html", {"required_role": role}, status=403)


@tenant_view("viewer")
@require_http_methods(["GET", "POST"])
def tenant_settings(request):
    """Every member reads the settings; only admins change them."""
    can_edit = request.membership.has_role("admin")
    if request.method == "POST":
        if not can_edit:
            return _forbidden(request, "admin")
        form = TenantSettingsForm(request.POST, instance=request.tenant)
        if form.is_valid():
            form.save()
            messages.success(request, "Settings saved.")
            return redirect("tenants:settings")
    else:
        form = TenantSettingsForm(instance=request.tenant)
    context = {
        "form": form,
        "can_edit": can_edit,
        "regions": region_choices() if can_edit else [],
        "time_zones": time_zone_choices() if can_edit else [],
    }
    return render(request, "tenants/settings.html", context)


@never_cache
@tenant_view("admin")
@require_http_methods(["GET", "POST"])
def api_keys(request):
    """List the tenant's keys; POST issues a new one and shows its raw value exactly once."""
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key, raw = ApiKey.issue(request.tenant, form.cleaned_data["name"], created_by=request.user)
        # Rendered, not redirected: the raw key never goes into a URL, the session or a log.
        return render(request, "tenants/api_key_created.html", {"key": key, "raw_key": raw})
    keys = ApiKey.objects.filter(tenant=request.tenant).select_related("created_by")
    return render(request, "tenants/api_keys.html", {"form": form, "keys": keys})


@tenant_view("admin")
@require_http_methods(["GET", "POST"])
def api_key_revoke(request, pk: int):
    """GET asks for confirmation; POST revokes. Another tenant's key id is a 404."""
    key = get_object_or_404(ApiKey, tenant=request.tenant, pk=pk)
    if request.method == "POST":
        if key.revoked:
            messages.info(request, f"The key “{key.name}” was already revoked.")
        else:
            key.revoke()
            messages.success(request, f"Revoked the key “{key.name}”; it no longer authenticates.")
        return redirect("tenants:api_keys")
    return render(request, "tenants/api_key_revoke.html", {"key": key})
