"""The contact-center page's kind switch: an unknown kind is 404, roles as before."""

import pytest
from django.urls import reverse

from tests.platforms.helpers import make_uis_account

pytestmark = pytest.mark.django_db


def test_unknown_kind_is_404(member_client):
    assert member_client.get(reverse("contacts:cc_index") + "?kind=nope").status_code == 404


def test_uis_form_is_offered(member_client):
    body = member_client.get(reverse("contacts:cc_index") + "?kind=uis").content.decode()
    assert "Add a UIS (CoMagic) account" in body and "Call API key" in body


def test_viewer_cannot_disable(client, viewer_user, tenant):
    account = make_uis_account(tenant)
    client.force_login(viewer_user)
    response = client.post(reverse("contacts:cc_toggle", args=[account.pk]))
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.enabled is True
