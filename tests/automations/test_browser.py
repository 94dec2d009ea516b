"""An admin creates a trigger in the browser and sees the ticket appear for a matching call."""

import pytest

from calls.models import Call
from tests.calls.conftest import event
from tests.conftest import api_client_for, login, screenshot
from tests.factories import authorized_salesforce

pytestmark = [
    pytest.mark.simulator(contacts=5),
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_trigger_created_in_ui_opens_ticket(page, tenant, admin_user, salesforce_sim):
    sf = authorized_salesforce(tenant, salesforce_sim, "Sales org")

    login(page, admin_user.email)
    page.goto("/automations/")
    screenshot(page, "automations-empty")
    page.click("text=New trigger")
    page.fill("input[name=name]", "Missed support calls")
    page.select_option("select[name=connector]", str(sf.pk))
    page.fill("input[name=queues]", "Support")
    page.check("input[name=statuses][value=missed]")
    page.check("input[name=directions][value=in]")
    page.fill("input[name=subject_template]", "Missed call from {caller}")
    screenshot(page, "automations-trigger-form")
    page.click("button:has-text('Save trigger')")
    page.wait_for_url("**/automations/")
    assert page.locator("table.data >> text=Missed support calls").count() == 1

    # the dry-run says what would happen, and creates nothing
    page.goto("/automations/dry-run/")
    page.fill(
        "textarea[name=payload]",
        '{"call_id": "X", "direction": "in", "caller": "+420773794804", '
        '"queue": "Support", "status": "missed"}',
    )
    page.click("button:has-text('Dry-run')")
    assert "Missed call from +420773794804" in page.locator("#dry-run-result").inner_text()
    screenshot(page, "automations-dry-run")
    assert salesforce_sim.cases == {}

    api = api_client_for(tenant)  # the telephony platform reports a missed support call
    events = [
        event("B1", "ringing", "2026-11-20T10:00:00+01:00"),
        event("B1", "missed", "2026-11-20T10:00:20+01:00"),
    ]
    assert api.post("/api/v1/call-events/", events, format="json").status_code == 202
    assert len(salesforce_sim.cases) == 1

    call = Call.objects.unscoped().get(call_id="B1")
    page.goto(f"/calls/{call.pk}/")
    ticket_row = page.locator("tr", has_text="Ticket")
    assert ticket_row.count() >= 1
    case_id = next(iter(salesforce_sim.cases.values()))["Id"]
    assert page.locator(f"a:has-text('{case_id}')").count() == 1
    screenshot(page, "automations-call-with-ticket")
