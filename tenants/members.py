"""A tenant's members, managed by its admins: invite by e-mail, change a role, remove.

Rules: a tenant always keeps at least one admin (the last admin can be neither demoted nor
removed); an invitation is a one-use link (`/accounts/invitation/<token>/`, only the token's
SHA-256 is stored) that expires after INVITATION_DAYS; accepting it as a signed-in user with
another e-mail address is refused (the link was sent to one address).
"""

import logging
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from tenants.models import INVITATION_DAYS, Invitation, Membership, Role, Tenant, hash_key

log = logging.getLogger(__name__)


class MemberError(Exception):
    """A change the rules refuse; the message is shown to the admin."""


LAST_ADMIN = "A tenant needs at least one admin: make someone else admin first."


def members(tenant: Tenant):
    return Membership.objects.filter(tenant=tenant).select_related("user").order_by("user__email")


def pending_invitations(tenant: Tenant):
    return Invitation.objects.filter(
        tenant=tenant, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def _other_admins(membership: Membership) -> bool:
    return (
        Membership.objects.filter(tenant_id=membership.tenant_id, role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def change_role(membership: Membership, role: str) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if role not in Role.values:
        raise MemberError("Unknown role.")
    if membership.role == Role.ADMIN and role != Role.ADMIN and not _other_admins(membership):
        raise MemberError(LAST_ADMIN)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove(membership: Membership) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.ADMIN and not _other_admins(membership):
        raise MemberError(LAST_ADMIN)
    membership.delete()


def invite(tenant: Tenant, email: str, role: str, *, invited_by, accept_url) -> Invitation:
    """Create the invitation and e-mail its link (`accept_url(token)` -> absolute URL)."""
    email = email.strip().lower()
    if Membership.objects.filter(tenant=tenant, user__email__iexact=email).exists():
        raise MemberError(f"{email} is already a member of {tenant.name}.")
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        # A new invitation replaces an open one to the same address (one link works).
        pending_invitations(tenant).filter(email__iexact=email).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            tenant=tenant,
            email=email,
            role=role,
            token_hash=hash_key(raw),
            invited_by=invited_by,
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
    context = {"invitation": invitation, "url": accept_url(raw), "days": INVITATION_DAYS}
    try:
        send_mail(
            f"You are invited to {tenant.name} on the CC-CRM Portal",
            render_to_string("tenants/invitation_email.txt", context),
            None,
            [email],
        )
    except Exception:  # the admin sees that the mail failed and can invite again
        log.exception("could not send the invitation %s", invitation.pk)
        raise MemberError(f"The invitation mail to {email} could not be sent: try again later.")
    return invitation


def revoke(invitation: Invitation) -> None:
    if invitation.pending:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


def find(raw_token: str) -> Invitation | None:
    """The pending invitation of a link's token; None when unknown, used, revoked or expired."""
    invitation = (
        Invitation.objects.filter(token_hash=hash_key(raw_token or ""))
        .select_related("tenant")
        .first()
    )
    if invitation is None or not invitation.pending or not invitation.tenant.active:
        return None
    return invitation


def existing_user(invitation: Invitation):
    return get_user_model().objects.filter(email__iexact=invitation.email).first()


@transaction.atomic
def accept(invitation: Invitation, user) -> Membership:
    """`user` joins with the invited role (an existing membership keeps the higher role)."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.pending:
        raise MemberError("This invitation was already used, revoked or has expired.")
    if (user.email or "").lower() != invitation.email.lower():
        raise MemberError(
            f"This invitation is for {invitation.email}: sign in with that address to accept it."
        )
    membership, created = Membership.objects.get_or_create(
        user=user, tenant_id=invitation.tenant_id, defaults={"role": invitation.role}
    )
    if not created and not membership.has_role(invitation.role):
        membership.role = invitation.role
        membership.save(update_fields=["role"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


def create_user(invitation: Invitation, password: str):
    """The account of an invited person who had none (user name = e-mail, as create_user)."""
    user = get_user_model()(username=invitation.email, email=invitation.email)
    user.set_password(password)
    user.save()
    return user
