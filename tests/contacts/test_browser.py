"""A real browser through the mappings pages: a field mapping made with the live-metadata
picker (htmx reload on object change), Match by email, Sync now with its progress bar, and the
contact-center accounts (add, test, edit, remove)."""

import pytest

from contacts.models import FieldMapping, UserMapping
from platforms.models import ContactCenterAccount
from simulators.daktela import DEMO_TOKEN
from tests.conftest import login, screenshot


@pytest.mark.browser
def test_mappings_pages(page, admin_user, tenant, sf, sf_sim):
    UserMapping.objects.create(
        tenant=tenant, connector=sf, agent_id="jnovak", agent_email="JAN.NOVAK@acme-sim.example.com"
    )
    UserMapping.objects.create(
        tenant=tenant,
        connector=sf,
        agent_id="jdoe",
        agent_email="john@cc.example",
        crm_email="j.doe@acme-sim.example.com",
    )
    UserMapping.objects.create(
        tenant=tenant, connector=sf, agent_id="ghost", agent_email="ghost@nowhere.example"
    )
    login(page, "admin@acme.test")

    page.goto("/contacts/field-mappings/")
    assert page.locator("#id_crm_field option[value=Customer_Tier__c]").count() == 1
    # another object: htmx reloads the picker with that object's fields
    page.fill("#id_crm_object", "Account")
    page.locator("#id_crm_object").dispatch_event("change")
    page.wait_for_selector("#id_crm_field option[value=Customer_Tier__c]", state="detached")
    assert page.locator("#id_crm_field option[value=Name]").count() == 1
    # the swapped-in input gets its htmx listener when the swap settles: wait for that
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
        " && document.querySelector('#id_crm_object')['htmx-internal-data']"
    )
    page.fill("#id_crm_object", "Contact")
    page.locator("#id_crm_object").dispatch_event("change")
    page.wait_for_selector("#id_crm_field option[value=Customer_Tier__c]", state="attached")
    page.select_option("#id_crm_field", "Customer_Tier__c")
    page.fill("#id_cc_field", "tier")
    screenshot(page, "contacts-field-mapping-form")
    page.click("text=Add mapping")
    page.wait_for_load_state("networkidle")
    assert (
        FieldMapping.objects.unscoped()
        .filter(crm_field="Customer_Tier__c", cc_field="tier")
        .exists()
    )
    assert "Customer_Tier__c" in page.locator("table.data").inner_text()
    screenshot(page, "contacts-field-mappings")

    page.goto(f"/contacts/user-mappings/?connector={sf.pk}")
    assert page.locator("tr.unmatched").count() == 3
    page.click("#match-by-email")
    page.wait_for_load_state("networkidle")
    assert "Matched 2 agent(s) by email" in page.content()
    assert page.locator("tr.unmatched").count() == 1
    assert page.locator("tr.unmatched").get_attribute("data-agent") == "ghost"
    screenshot(page, "contacts-user-mappings")
    # manual choice for the unmatched agent from the CRM's user list
    row = page.locator("tr[data-agent=ghost]")
    row.locator("select[name=crm_user_id]").select_option(
        label="Sarah Connor <sarah.connor@acme-sim.example.com>"
    )
    row.locator("text=Save").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("tr.unmatched").count() == 0
    assert UserMapping.objects.unscoped().get(agent_id="ghost").matched_by == "manual"

    page.goto("/contacts/sync/")
    page.click("text=Sync now")
    page.wait_for_load_state("networkidle")
    bar = page.locator(f"#sync-{sf.pk} .job-progress")
    assert bar.get_attribute("data-status") == "succeeded"
    screenshot(page, "contacts-sync")
    page.goto("/contacts/?q=773 794 804")
    assert page.locator("table.data tbody tr").count() == 3
    screenshot(page, "contacts-search")


@pytest.mark.browser
def test_contact_center_pages(page, admin_user, tenant, daktela_sim):
    """Add a Daktela account, test it against the simulator, edit it, remove it."""
    login(page, "admin@acme.test")
    page.goto("/contacts/contact-center/")
    page.fill("#id_name", "Daktela sim")
    page.fill("#id_url", daktela_sim.url)
    page.fill("#id_access_token", DEMO_TOKEN)
    page.click("text=Add account")
    page.wait_for_load_state("networkidle")
    assert "Daktela sim added" in page.content()
    account = ContactCenterAccount.objects.get(tenant=tenant)
    assert account.credentials == {"access_token": DEMO_TOKEN}
    assert DEMO_TOKEN not in page.content()
    page.click("button:has-text('Test')")
    page.wait_for_load_state("networkidle")
    assert "Daktela sim answers: logged in as" in page.content()
    screenshot(page, "contacts-contact-center")
    page.click("a:has-text('Configure')")
    page.wait_for_load_state("networkidle")
    page.fill("#id_name", "Daktela renamed")
    screenshot(page, "contacts-contact-center-edit")
    page.click("button:has-text('Save')")
    page.wait_for_load_state("networkidle")
    assert "Daktela renamed saved" in page.content()
    account.refresh_from_db()
    assert account.name == "Daktela renamed" and account.credentials == {"access_token": DEMO_TOKEN}
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Remove')")
    page.wait_for_load_state("networkidle")
    assert "Daktela renamed removed" in page.content()
    assert not ContactCenterAccount.objects.filter(tenant=tenant).exists()
