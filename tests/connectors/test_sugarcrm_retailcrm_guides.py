"""The "How to get authorization data" guides render on the Configure page (browser)."""

import pytest
from django.urls import reverse

from simulators.retailcrm import RetailCRMSimulator
from simulators.sugarcrm import SugarCRMSimulator
from tests.conftest import login, screenshot
from tests.factories import make_connector


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "kind,sim_class,heading",
    [
        ("sugarcrm", SugarCRMSimulator, "The API platform"),
        ("retailcrm", RetailCRMSimulator, "Click-to-call (optional)"),
    ],
)
def test_guide_in_browser(page, admin_user, tenant, kind, sim_class, heading):
    settings, credentials = sim_class.demo_account("https://crm.example")
    account = make_connector(tenant, kind=kind, settings=settings, credentials=credentials)
    login(page, admin_user.email)
    page.goto(reverse("connectors:configure", kwargs={"pk": account.pk}))
    guide = page.locator("aside.guide")
    assert guide.get_by_role("heading", name="How to get authorization data").is_visible()
    assert guide.get_by_role("heading", name=heading).is_visible()
    screenshot(page, f"connector-guide-{kind}")
