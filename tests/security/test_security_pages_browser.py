"""What people see of the security limits, in Chromium at desktop and phone widths: the login
lock-out page and a connector paused by its CRM's rate limit (screenshots in test-artifacts/)."""

import pytest

from connectors import breaker
from connectors.errors import ConnectorError
from tests.conftest import login, screenshot
from tests.factories import make_connector

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RATE_LIMITED = ConnectorError("HTTP 429 from sim: Too Many Requests", status=429, retry_after=300)


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("width", [1280, 390])
def test_lockout_page_says_what_happened_and_when(page, admin_user, settings, width):
    settings.AXES_FAILURE_LIMIT = 2
    page.set_viewport_size({"width": width, "height": 800})
    for _ in range(2):
        login(page, admin_user.email, "wrong-password")
    text = page.inner_text("body")
    assert "Try again after" in text
    assert _fits(page)
    screenshot(page, f"security-lockout-{width}")


@pytest.mark.parametrize("width", [1280, 390])
def test_paused_connector_is_visible_on_the_integrations_page(page, tenant, admin_user, width):
    account = make_connector(tenant, "salesforce", "Sales org")
    breaker.record_failure(account, RATE_LIMITED)
    page.set_viewport_size({"width": width, "height": 800})
    login(page, admin_user.email)
    page.goto("/integrations/")
    assert "Paused until" in page.inner_text("body")
    screenshot(page, f"security-paused-integrations-{width}")
    page.goto(f"/integrations/{account.pk}/configure/")
    assert "rate-limiting (HTTP 429)" in page.inner_text("body")
    screenshot(page, f"security-paused-configure-{width}")
    # The pause notice itself stays inside the viewport (the pages' own overflow at 390 px,
    # e.g. the Integrations cards, is issue 17's).
    box = page.locator("text=Paused until").first.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1
