"""One real browser run through the shell: log in, see the tenant, switch tenant, visit pages."""

import pytest

from tenants.models import ApiKey, Membership, Role
from tests.conftest import login, screenshot


@pytest.mark.browser
def test_login_and_switch_tenant(page, admin_user, tenant, other_tenant):
    Membership.objects.create(user=admin_user, tenant=other_tenant, role=Role.SUPPORT)
    ApiKey.issue(tenant, "Daktela events", created_by=admin_user)

    page.goto("/")
    assert "/accounts/login/" in page.url
    screenshot(page, "login")
    login(page, "admin@acme.test")

    assert page.locator("h1").inner_text() == "Acme"
    switcher = page.locator("select[name=tenant]")
    assert switcher.locator("option:checked").inner_text() == "Acme"
    assert page.locator(".tenant-box .badge").inner_text().lower() == "admin"
    assert page.locator(".mainnav a", has_text="API keys").count() == 1
    screenshot(page, "home")

    page.goto("/settings/")
    page.fill("input[name=dnis_regex]", "D:(+")
    page.click("text=Save settings")
    assert "does not compile" in page.locator(".errorlist").inner_text()
    screenshot(page, "settings")

    page.goto("/api-keys/")
    assert page.locator("table.data").inner_text().count("Daktela events") == 1
    screenshot(page, "api-keys")
    page.fill("input[name=name]", "Nightly export")
    page.click("text=Create key")
    raw = page.locator("#raw-key").input_value()
    assert raw.startswith("cck_") and ApiKey.objects.filter(name="Nightly export").exists()
    screenshot(page, "api-key-created")
    page.click("text=Done")
    assert raw not in page.content() and "Nightly export" in page.content()

    with page.expect_navigation():
        switcher.select_option(str(other_tenant.pk))
    # back on the same page, now as support of Globex: API keys are admin-only
    assert page.url.endswith("/api-keys/")
    assert "Switched to Globex" in page.locator(".messages").inner_text()
    assert "needs the admin role" in page.locator("h1").inner_text()
    page.goto("/")
    assert page.locator("h1").inner_text() == "Globex"
    assert page.locator("select[name=tenant] option:checked").inner_text() == "Globex"
    assert page.locator(".tenant-box .badge").inner_text().lower() == "support"
    # support in Globex: admin-only items are gone from the menu
    assert page.locator(".mainnav a", has_text="API keys").count() == 0
    screenshot(page, "home-switched")

    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/")
    page.click("label.nav-toggle-label")
    page.wait_for_timeout(400)  # the menu slides in
    assert page.locator(".sidebar").bounding_box()["x"] == 0
    screenshot(page, "mobile-menu")
