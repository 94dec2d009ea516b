"""A real browser through the issue-13 pages at desktop and phone widths: Caller matching
(the policy form and the phone tester with a foreign number) and the contacts list with its
Type filter, with no sideways scrolling."""

import pytest

from contacts.models import MatchingPolicy
from tests.conftest import login, screenshot
from tests.contacts.helpers import make_contact

WIDTHS = [(1280, 900), (390, 844)]


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.browser
@pytest.mark.parametrize("width, height", WIDTHS)
def test_caller_matching_and_contacts_by_type(page, admin_user, tenant, sf, width, height):
    page.set_viewport_size({"width": width, "height": height})
    make_contact(
        tenant,
        connector=sf,
        crm_id="00QLEAD1",
        last_name="Lead",
        type="lead",
        phones=["+420 602 123 456"],
    )
    make_contact(
        tenant, connector=sf, crm_id="003CONT1", last_name="Contact", phones=["+420 602 999 888"]
    )
    login(page, "admin@acme.test")

    page.goto(f"/contacts/matching/{sf.pk}/")
    page.fill("input[name=objects]", "lead, contact")
    page.select_option("select[name=unknown_caller]", "create_lead")
    page.click("#matching-form button.primary")
    page.wait_for_load_state("networkidle")
    policy = MatchingPolicy.objects.for_tenant(tenant).get(connector=sf)
    assert policy.objects_order == ["lead", "contact"] and policy.unknown_caller == "create_lead"
    # the tester: a UK number written nationally, read in the tenant's region (CZ)
    page.fill("input[name=phone]", "020 7946 0958")
    page.locator("input[name=phone]").press("Enter")
    page.wait_for_load_state("networkidle")
    text = page.locator("main").inner_text()
    assert "not valid" in text.lower() or "invalid" in text.lower()
    assert no_sideways_scroll(page)
    screenshot(page, f"contacts-matching-{width}")

    page.goto("/contacts/?type=lead")
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 1 and "Lead" in rows.first.inner_text()
    assert no_sideways_scroll(page)
    screenshot(page, f"contacts-by-type-{width}")
