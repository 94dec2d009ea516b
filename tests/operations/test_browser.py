"""The operations pages in Chromium at 1280 and 390 px: nothing overflows sideways, the
Overview's health card links to the fix, the erasure confirm step works."""

import pytest

from calls.models import Call
from connectors.models import ConnectorStatus
from delivery.models import SyncRecord, SyncState
from tests.conftest import login, screenshot
from tests.factories import make_connector

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["/", "/operations/notifications/", "/operations/retention/", "/operations/erasure/"]


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_operations_pages_at_desktop_and_phone_width(page, admin_user, tenant):
    bad = make_connector(tenant, name="Sales CRM", status=ConnectorStatus.NEEDS_REAUTH)
    SyncRecord.objects.create(tenant=tenant, connector=bad, key="k", state=SyncState.DEAD)
    call = Call.objects.create(
        tenant=tenant,
        call_id="1WS.1",
        direction="in",
        caller="+420773794804",
        caller_e164="+420773794804",
        caller_tail="3794804",
        phone_e164="+420773794804",
        ended=True,
    )
    login(page, admin_user.email)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 860})
        for url in PAGES:
            page.goto(url)
            assert overflow(page) <= 1, (url, width, overflow(page))
            name = url.strip("/").replace("/", "-") or "overview"
            screenshot(page, f"ops-{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto("/")
    assert "1 connector needs attention" in page.locator("#health").inner_text()
    page.click("#health a:has-text('Needs re-authorization')")
    assert page.url.endswith(f"/integrations/{bad.pk}/configure/")

    page.goto(f"/calls/{call.pk}/")
    page.click("text=Erase caller's data")
    assert "Erase the caller of call 1WS.1?" in page.locator("h1").inner_text()
    screenshot(page, "ops-erase-confirm")
    page.click("#confirm-erase")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/calls/")
    assert "Erased: 0 contacts, 1 calls" in page.locator(".messages").inner_text()
    assert not Call.objects.for_tenant(tenant).exists()
