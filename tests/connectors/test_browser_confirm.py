"""Confirmations in Chromium (issue 17, item 8): Disable asks with the browser's dialog;
Cancel changes nothing, OK disables. Without JavaScript the confirm page does the same, and
the Members page's Remove asks too."""

import pytest

from connectors.models import ConnectorAccount, ConnectorStatus
from tenants.models import Membership, Role
from tests.conftest import login, make_user, screenshot
from tests.factories import authorized_salesforce

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def status(account) -> str:
    return ConnectorAccount.objects.unscoped().get(pk=account.pk).status


def test_disable_asks_first(page, salesforce_sim, tenant, admin_user):
    account = authorized_salesforce(tenant, salesforce_sim, "Sales org")
    login(page, admin_user.email)
    page.goto(f"/integrations/{account.pk}/configure/")
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.get_by_role("button", name="Disable", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert asked and asked[0].startswith("Disable Sales org?")
    assert status(account) == ConnectorStatus.AUTHORIZED

    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Disable", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert "is disabled" in page.locator(".messages").inner_text()
    assert status(account) == ConnectorStatus.DISABLED


def test_without_javascript_the_confirm_page_asks(chromium, live_server, tenant, admin_user):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        login(page, admin_user.email)
        other = make_user("leaving@example.com", tenant, Role.VIEWER)
        page.goto("/members/")
        screenshot(page, "tenants-members")
        page.locator("form[data-confirm^='Remove leaving@example.com'] button").click()
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").inner_text().startswith("Remove leaving@example.com")
        screenshot(page, "confirm-page")
        assert Membership.objects.filter(user=other).exists()
        page.get_by_role("button", name="Remove").click()
        page.wait_for_load_state("networkidle")
        assert "was removed" in page.locator(".messages").inner_text()
        assert not Membership.objects.filter(user=other).exists()
    finally:
        context.close()
