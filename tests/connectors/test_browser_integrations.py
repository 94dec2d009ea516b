"""A person's path through Integrations in Chromium, against the Salesforce simulator over HTTP."""

import re

import pytest

from connectors.models import ConnectorAccount, ConnectorAuditEntry
from connectors.services import save_account
from simulators.salesforce import SalesforceSimulator
from tenants.models import Role
from tests.conftest import login, make_user, screenshot

pytestmark = pytest.mark.browser


def add_salesforce(page, salesforce_sim, password=SalesforceSimulator.PASSWORD):
    page.goto("/integrations/")
    page.get_by_role("link", name="Add Salesforce").click()
    page.fill("input[name=name]", "Sales org")
    page.fill("input[name=instance_url]", salesforce_sim.url)
    page.fill("input[name=username]", salesforce_sim.USERNAME)
    page.fill("input[name=password]", password)
    page.fill("input[name=security_token]", salesforce_sim.SECURITY_TOKEN)
    page.fill("input[name=client_id]", salesforce_sim.CLIENT_ID)
    page.fill("input[name=client_secret]", salesforce_sim.CLIENT_SECRET)
    screenshot(page, "connectors-configure-new")
    page.get_by_role("button", name="Add Salesforce").click()
    page.wait_for_load_state("networkidle")


def test_admin_configures_and_authorizes_salesforce(page, salesforce_sim, tenant, admin_user):
    login(page, admin_user.email)
    page.goto("/integrations/")
    screenshot(page, "connectors-integrations-empty")
    add_salesforce(page, salesforce_sim)
    assert page.locator(".messages").inner_text().startswith("Sales org added")
    assert page.locator("[data-status]").first.inner_text() == "Not authorized yet"

    page.get_by_role("button", name="Authorize", exact=True).click()
    page.wait_for_load_state("networkidle")
    badge = page.locator(".card [data-status]").first
    assert badge.inner_text() == "Authorized"
    assert "badge ok" in badge.get_attribute("class")
    assert (
        "is authorized. Test call: user: " + salesforce_sim.USERNAME
        in page.locator(".messages").inner_text()
    )
    screenshot(page, "connectors-configure-authorized")

    account = ConnectorAccount.objects.get(tenant=tenant)
    assert account.status == "authorized" and account.token["access_token"]
    assert "password" in salesforce_sim.token_grants

    page.goto("/integrations/")
    row = page.locator(f"#connector-{account.pk}")
    assert row.locator("[data-status]").inner_text() == "Authorized"
    screenshot(page, "connectors-integrations")

    page.get_by_role("link", name="Audit", exact=True).click()
    page.wait_for_load_state("networkidle")
    text = page.locator("table.data").inner_text()
    assert "Authorized" in text and "Created" in text and "Password: changed" in text
    assert SalesforceSimulator.PASSWORD not in page.content()
    screenshot(page, "connectors-audit")


def test_wrong_password_shows_salesforce_reason(page, salesforce_sim, tenant, admin_user):
    login(page, admin_user.email)
    add_salesforce(page, salesforce_sim, password="not-the-password")
    page.get_by_role("button", name="Authorize", exact=True).click()
    page.wait_for_load_state("networkidle")
    message = page.locator(".messages").inner_text()
    assert "authentication failure: check user name, password" in message
    assert "Fix it in the settings, then click Authorize again." in message
    assert page.locator(".card [data-status]").first.inner_text() == "Error"
    screenshot(page, "connectors-configure-error")
    assert ConnectorAuditEntry.objects.unscoped().filter(action="authorize_failed").count() == 1


def test_authorize_in_salesforce_web_flow(page, salesforce_sim, tenant, admin_user):
    login(page, admin_user.email)
    add_salesforce(page, salesforce_sim)
    page.get_by_role("button", name="Authorize in Salesforce").click()
    page.wait_for_url(re.compile(r".*/integrations/\d+/configure/"))
    assert page.locator(".card [data-status]").first.inner_text() == "Authorized"
    assert "authorization_code" in salesforce_sim.token_grants


def test_viewer_sees_status_read_only(page, salesforce_sim, tenant, admin_user):
    account = ConnectorAccount(tenant=tenant, kind="salesforce")

    settings, credentials = salesforce_sim.account_settings()
    save_account(account, actor="t", name="Sales org", settings=settings, credentials=credentials)
    viewer = make_user("viewer@acme.test", tenant, Role.VIEWER)
    login(page, viewer.email)
    page.goto("/integrations/")
    assert (
        page.locator(f"#connector-{account.pk} [data-status]").inner_text() == "Not authorized yet"
    )
    assert page.get_by_role("link", name="Add Salesforce").count() == 0
    assert page.get_by_role("button", name="Authorize").count() == 0
    screenshot(page, "connectors-integrations-viewer")


def test_authorize_button_shows_progress_and_blocks_a_second_click(
    page, salesforce_sim, tenant, admin_user
):
    login(page, admin_user.email)
    add_salesforce(page, salesforce_sim)
    salesforce_sim.fail_next(
        status=0, delay=1.0, path="/services/oauth2/token"
    )  # a slow org, then OK
    # Record the button's state just after the submit (sessionStorage survives the navigation)
    # and try a second click while the request runs.
    page.evaluate(
        """() => document.addEventListener("submit", (e) => setTimeout(() => {
            const b = e.target.querySelector("button");
            sessionStorage.setItem("busy", JSON.stringify([b.textContent, b.disabled]));
            b.click();
        }, 50))"""
    )
    page.get_by_role("button", name="Authorize", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => sessionStorage.getItem('busy')") == '["Authorizing…",true]'
    assert page.locator(".card [data-status]").first.inner_text() == "Authorized"
    assert salesforce_sim.token_grants.count("password") == 1
