"""Tenant admins manage their tenant's members (issue 17, item 10): invite by e-mail (a
one-use link), change a role, remove; never the last admin; only admins; only this tenant."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tenants.models import Invitation, Membership, Role
from tests.conftest import make_user

MEMBERS = "/members/"


def invite(client, email="new.person@example.com", role="support"):
    return client.post(reverse("tenants:member_invite"), {"email": email, "role": role})


def link_from(message) -> str:
    return re.search(r"https?://\S+/accounts/invitation/\S+/", message.body).group(0)


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_admin_invites_and_the_new_person_joins_with_a_password(member_client, client, tenant):
    response = invite(member_client)
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.person@example.com"]
    assert tenant.name in mail.outbox[0].subject
    url = link_from(mail.outbox[0])
    invitation = Invitation.objects.get(tenant=tenant)
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert token not in invitation.token_hash  # only the hash is stored
    html = member_client.get(MEMBERS).content.decode()
    assert "new.person@example.com" in html and "Open invitations" in html

    client.logout()
    page = client.get(path_of(url))
    assert page.status_code == 200 and "Choose a password" in page.content.decode()
    short = client.post(path_of(url), {"password1": "abc", "password2": "abc"})
    assert short.status_code == 200 and "errorlist" in short.content.decode()
    joined = client.post(
        path_of(url), {"password1": "a-Long-pass-123", "password2": "a-Long-pass-123"}
    )
    assert joined.status_code == 302 and joined["Location"] == reverse("tenants:home")
    user = get_user_model().objects.get(email="new.person@example.com")
    assert Membership.objects.get(user=user, tenant=tenant).role == Role.SUPPORT
    assert client.get("/").status_code == 200  # signed in, in the tenant
    again = client.get(path_of(url))  # one use
    assert again.status_code == 404 and "does not work" in again.content.decode()


def test_an_existing_user_signs_in_then_accepts(member_client, client, tenant, other_tenant):
    person = make_user("jan@example.com", other_tenant, Role.ADMIN)
    invite(member_client, "Jan@Example.com", "viewer")
    url = path_of(link_from(mail.outbox[0]))
    client.logout()
    html = client.get(url).content.decode()
    assert "Sign in" in html and f"next={url}" in html
    assert client.post(url).status_code == 200  # not signed in: nothing happens
    assert not Membership.objects.filter(user=person, tenant=tenant).exists()
    client.force_login(person)
    assert client.post(url).status_code == 302
    assert Membership.objects.get(user=person, tenant=tenant).role == Role.VIEWER


def test_a_link_opened_by_another_signed_in_user_is_refused(member_client, client, tenant):
    invite(member_client, "someone@example.com")
    url = path_of(link_from(mail.outbox[0]))
    intruder = make_user("intruder@example.com")
    client.force_login(intruder)
    html = client.get(url).content.decode()
    assert "this invitation is for someone@example.com" in html
    client.post(url)
    assert not Membership.objects.filter(user=intruder, tenant=tenant).exists()


def test_inviting_a_member_again_is_a_form_error(member_client, admin_user):
    response = invite(member_client, admin_user.email)
    assert response.status_code == 400 and "already a member" in response.content.decode()
    assert not mail.outbox


def test_a_revoked_or_replaced_invitation_stops_working(member_client, client, tenant):
    invite(member_client, "a@example.com")
    first = path_of(link_from(mail.outbox[0]))
    invite(member_client, "a@example.com")  # a new invitation replaces the open one
    assert client.get(first).status_code == 404
    second = Invitation.objects.get(tenant=tenant, revoked_at=None)
    url = reverse("tenants:invitation_revoke", args=[second.pk])
    assert "Revoke the invitation" in member_client.post(url).content.decode()  # asked first
    assert client.get(path_of(link_from(mail.outbox[1]))).status_code == 200
    member_client.post(url, {"confirmed": "yes"})
    assert client.get(path_of(link_from(mail.outbox[1]))).status_code == 404


def test_admin_changes_a_role(member_client, tenant):
    viewer = make_user("v@example.com", tenant, Role.VIEWER)
    m = Membership.objects.get(user=viewer, tenant=tenant)
    r = member_client.post(reverse("tenants:member_role", args=[m.pk]), {f"m{m.pk}-role": "admin"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.role == Role.ADMIN


def test_the_last_admin_is_neither_demoted_nor_removed(member_client, tenant, admin_user):
    me = Membership.objects.get(user=admin_user, tenant=tenant)
    r = member_client.post(
        reverse("tenants:member_role", args=[me.pk]), {f"m{me.pk}-role": "viewer"}, follow=True
    )
    assert "at least one admin" in r.content.decode()
    r = member_client.post(
        reverse("tenants:member_remove", args=[me.pk]), {"confirmed": "yes"}, follow=True
    )
    assert "at least one admin" in r.content.decode()
    me.refresh_from_db()
    assert me.role == Role.ADMIN
    make_user("second.admin@example.com", tenant, Role.ADMIN)
    member_client.post(reverse("tenants:member_role", args=[me.pk]), {f"m{me.pk}-role": "viewer"})
    me.refresh_from_db()
    assert me.role == Role.VIEWER  # another admin is left


def test_remove_asks_first_then_removes(member_client, tenant):
    support = make_user("s@example.com", tenant, Role.SUPPORT)
    m = Membership.objects.get(user=support, tenant=tenant)
    url = reverse("tenants:member_remove", args=[m.pk])
    page = member_client.post(url)
    assert page.status_code == 200 and 'id="confirm"' in page.content.decode()
    assert Membership.objects.filter(pk=m.pk).exists()
    assert member_client.post(url, {"confirmed": "yes"}).status_code == 302
    assert not Membership.objects.filter(pk=m.pk).exists()
    assert get_user_model().objects.filter(pk=support.pk).exists()  # the log-in stays


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.VIEWER])
def test_only_admins_manage_members(client, tenant, role):
    user = make_user(f"{role}@example.com", tenant, role)
    other = make_user("x@example.com", tenant, Role.VIEWER)
    m = Membership.objects.get(user=other, tenant=tenant)
    client.force_login(user)
    assert client.get(MEMBERS).status_code == 403
    assert invite(client).status_code == 403 and not mail.outbox
    assert client.post(reverse("tenants:member_role", args=[m.pk]), {}).status_code == 403
    assert client.post(reverse("tenants:member_remove", args=[m.pk]), {}).status_code == 403
    assert Membership.objects.filter(pk=m.pk, role=Role.VIEWER).exists()


def test_another_tenants_members_are_out_of_reach(member_client, other_tenant):
    theirs = make_user("their.admin@example.com", other_tenant, Role.ADMIN)
    m = Membership.objects.get(user=theirs)
    assert "their.admin@example.com" not in member_client.get(MEMBERS).content.decode()
    url = reverse("tenants:member_role", args=[m.pk])
    assert member_client.post(url, {f"m{m.pk}-role": "viewer"}).status_code == 404
    url = reverse("tenants:member_remove", args=[m.pk])
    assert member_client.post(url, {"confirmed": "yes"}).status_code == 404
    m.refresh_from_db()
    assert m.role == Role.ADMIN


def test_members_is_in_the_menu_for_admins_only(member_client, client, tenant):
    assert 'href="/members/"' in member_client.get("/").content.decode()
    client.force_login(make_user("view@example.com", tenant, Role.VIEWER))
    assert 'href="/members/"' not in client.get("/").content.decode()
