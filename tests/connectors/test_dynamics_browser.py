"""An admin configures Dynamics 365 in Chromium and authorizes it against the HTTPS simulator."""

import pytest

from connectors.models import ConnectorAccount
from simulators.dynamics365 import data as sim_data
from tests.conftest import login, screenshot
from tests.connectors import test_dynamics_support as support

pytestmark = pytest.mark.browser
sim = support.sim  # fixture
_running_sim = support._running_sim  # fixture


def add_dynamics(page, sim, secret=sim_data.CLIENT_SECRET):
    page.goto("/integrations/")
    page.get_by_role("link", name="Add Microsoft Dynamics 365").click()
    page.fill("input[name=name]", "Dynamics")
    page.fill("input[name=instance_url]", sim.url)
    page.fill("input[name=client_id]", sim_data.CLIENT_ID)
    page.fill("input[name=directory_id]", sim_data.TENANT_ID)
    page.fill("input[name=client_secret]", secret)
    page.fill("input[name=authority_host]", sim.url)
    screenshot(page, "dynamics-configure-new")
    page.get_by_role("button", name="Add Microsoft Dynamics 365").click()
    page.wait_for_load_state("networkidle")


def test_configure_then_authorize_dynamics(page, sim, tenant, admin_user, monkeypatch):
    # The portal builds the connector itself (no test session): trust the simulator's CA the
    # way the demo does, through REQUESTS_CA_BUNDLE.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(sim.ca_file()))
    login(page, admin_user.email)
    add_dynamics(page, sim)
    guide = page.locator(".guide").inner_text()
    assert "App registrations" in guide and "Application users" in guide and "cc_callkey" in guide
    page.get_by_role("button", name="Authorize", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".card [data-status]").first.inner_text() == "Authorized"
    assert f"application user: {sim_data.APP_USER_ID}" in page.locator(".messages").inner_text()
    screenshot(page, "dynamics-configure-authorized")
    account = ConnectorAccount.objects.get(tenant=tenant, kind="dynamics365")
    assert account.status == "authorized" and account.token["access_token"] in sim.tokens


def test_wrong_secret_shows_the_aadsts_reason(page, sim, tenant, admin_user, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(sim.ca_file()))
    login(page, admin_user.email)
    add_dynamics(page, sim, secret="not-the-secret")
    page.get_by_role("button", name="Authorize", exact=True).click()
    page.wait_for_load_state("networkidle")
    message = page.locator(".messages").inner_text()
    assert "AADSTS7000215" in message and "secret" in message
    assert page.locator(".card [data-status]").first.inner_text() != "Authorized"
    screenshot(page, "dynamics-configure-error")
