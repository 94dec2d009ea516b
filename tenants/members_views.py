"""Members pages: a tenant admin invites people by e-mail, changes roles, removes members;
the invited person accepts through the mailed link (tenants/members.py has the rules)."""

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tenants import confirm, members
from tenants.forms import InviteForm, JoinForm, RoleForm
from tenants.middleware import SESSION_KEY
from tenants.models import Invitation, Membership
from tenants.scoping import tenant_view

LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _page(request, form=None, status=200):
    rows = list(members.members(request.tenant))
    for m in rows:
        m.role_form = RoleForm(initial={"role": m.role}, prefix=f"m{m.pk}")
    context = {
        "members": rows,
        "invitations": members.pending_invitations(request.tenant),
        "form": form or InviteForm(),
    }
    return render(request, "tenants/members.html", context, status=status)


@tenant_view("admin")
@require_http_methods(["GET"])
def index(request):
    return _page(request)


@tenant_view("admin")
@require_POST
def invite(request):
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data

    def accept_url(token: str) -> str:
        return request.build_absolute_uri(reverse("invitation_accept", args=[token]))

    try:
        members.invite(
            request.tenant,
            data["email"],
            data["role"],
            invited_by=request.user,
            accept_url=accept_url,
        )
    except members.MemberError as exc:
        form.add_error("email", str(exc))
        return _page(request, form, status=400)
    messages.success(request, f"Invitation sent to {data['email']}.")
    return redirect("tenants:members")


@tenant_view("admin")
@require_POST
def change_role(request, pk: int):
    membership = get_object_or_404(Membership, tenant=request.tenant, pk=pk)
    form = RoleForm(request.POST, prefix=f"m{membership.pk}")
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
        return redirect("tenants:members")
    try:
        members.change_role(membership, form.cleaned_data["role"])
    except members.MemberError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{membership.user.email} is now {form.cleaned_data['role']}.")
    return redirect("tenants:members")


@tenant_view("admin")
@require_POST
def remove(request, pk: int):
    membership = get_object_or_404(Membership, tenant=request.tenant, pk=pk)
    email = membership.user.email or membership.user.username
    if page := confirm.ask(
        request,
        f"Remove {email} from {request.tenant.name}?",
        action="Remove",
        detail="They can no longer open this tenant's pages. Their log-in stays (other tenants).",
        cancel_url=reverse("tenants:members"),
    ):
        return page
    try:
        members.remove(membership)
    except members.MemberError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{email} was removed from {request.tenant.name}.")
    return redirect("tenants:members")


@tenant_view("admin")
@require_POST
def revoke_invitation(request, pk: int):
    invitation = get_object_or_404(Invitation, tenant=request.tenant, pk=pk)
    if page := confirm.ask(
        request,
        f"Revoke the invitation of {invitation.email}?",
        action="Revoke",
        detail="Its link stops working; you can invite them again.",
        cancel_url=reverse("tenants:members"),
    ):
        return page
    members.revoke(invitation)
    messages.success(request, f"The invitation to {invitation.email} was revoked.")
    return redirect("tenants:members")


@never_cache
@require_http_methods(["GET", "POST"])
def accept(request, token: str):
    """The mailed link: join the tenant (signed in as the invited address, or with a new
    account for an address without one)."""
    invitation = members.find(token)
    if invitation is None:
        return render(request, "tenants/invitation_invalid.html", status=404)
    user = request.user if request.user.is_authenticated else None
    existing = members.existing_user(invitation)
    form = None
    if user is None and existing is None:
        form = JoinForm(request.POST or None, email=invitation.email)
    if request.method == "POST":
        try:
            if user is None and existing is None:
                if not form.is_valid():
                    raise members.MemberError("")
                user = members.create_user(invitation, form.cleaned_data["password1"])
                login(request, user, backend=LOGIN_BACKEND)
            elif user is None:
                raise members.MemberError("")  # has an account: sign in first (the page says)
            membership = members.accept(invitation, user)
        except members.MemberError as exc:
            if str(exc):
                messages.error(request, str(exc))
        else:
            request.session[SESSION_KEY] = membership.tenant_id
            messages.success(request, f"Welcome to {membership.tenant.name}.")
            return redirect("tenants:home")
    context = {
        "invitation": invitation,
        "form": form,
        "existing": existing,
        "wrong_user": user is not None and (user.email or "").lower() != invitation.email.lower(),
        "login_url": f"{reverse('login')}?next={request.path}",
    }
    return render(request, "tenants/invitation_accept.html", context)
