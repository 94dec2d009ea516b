"""Destructive actions ask first (issue 17, item 8): with JavaScript the button's
data-confirm dialog adds confirmed=yes; without it the view answers a confirm page that
re-posts the action. Nothing happens until it is confirmed."""

import pytest
from django.urls import reverse

from automations.models import Trigger
from connectors.models import ConnectorAccount, ConnectorStatus
from realtime.models import RoutingRule
from tests.connectors.ui_stubs import use_stub
from tests.factories import make_connector


@pytest.fixture
def account(tenant, monkeypatch):
    use_stub(monkeypatch)
    account = make_connector(tenant, name="Live org", status=ConnectorStatus.AUTHORIZED)
    account.token = {"access_token": "stored-token", "expires_at": None}
    account.save()
    return account


def confirm_page(response, action_url):
    html = response.content.decode()
    assert response.status_code == 200 and 'id="confirm"' in html
    assert f'action="{action_url}"' in html
    assert '<input type="hidden" name="confirmed" value="yes">' in html
    return html


@pytest.mark.parametrize("action", ["disconnect", "disable"])
def test_unconfirmed_connector_action_shows_a_confirm_page(member_client, account, action):
    url = reverse(f"connectors:{action}", args=[account.pk])
    html = confirm_page(member_client.post(url, {"next": "/integrations/"}), url)
    assert f"{action.capitalize()} Live org?" in html
    assert '<input type="hidden" name="next" value="/integrations/">' in html  # re-posted
    assert 'href="/integrations/"' in html  # Cancel goes back
    account.refresh_from_db()
    assert account.status == ConnectorStatus.AUTHORIZED and account.token["access_token"]

    response = member_client.post(url, {"next": "/integrations/", "confirmed": "yes"})
    assert response.status_code == 302 and response["Location"] == "/integrations/"
    account.refresh_from_db()
    assert (
        account.status == ConnectorStatus.DISABLED if action == "disable" else account.disconnected
    )


def test_configure_buttons_carry_the_dialog(member_client, account):
    html = member_client.get(reverse("connectors:configure", args=[account.pk])).content.decode()
    assert 'data-confirm="Disconnect Live org? Syncing stops until you authorize again."' in html
    assert 'data-confirm="Disable Live org? Nothing syncs through it' in html


def test_a_foreign_account_is_still_a_404(member_client, other_tenant):
    theirs = make_connector(other_tenant, name="Theirs")
    for action in ("disconnect", "disable"):
        url = reverse(f"connectors:{action}", args=[theirs.pk])
        assert member_client.post(url).status_code == 404
    assert ConnectorAccount.objects.unscoped().get(pk=theirs.pk).status != ConnectorStatus.DISABLED


def test_deletes_and_revokes_ask_first(member_client, tenant, account):
    trigger = Trigger.objects.create(tenant=tenant, connector=account, name="T")
    rule = RoutingRule.objects.create(tenant=tenant, name="R", kind="owner", position=1)
    for url in (
        reverse("automations:delete", args=["trigger", trigger.pk]),
        reverse("realtime:routing_rule_delete", args=[rule.pk]),
    ):
        confirm_page(member_client.post(url), url)
    assert Trigger.objects.for_tenant(tenant).exists()
    assert RoutingRule.objects.for_tenant(tenant).exists()


def test_viewer_gets_no_confirm_page(client, tenant, account, viewer_user):
    client.force_login(viewer_user)
    assert client.post(reverse("connectors:disable", args=[account.pk])).status_code == 403
