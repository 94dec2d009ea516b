"""The console in a real browser: list, filters, call page with the reason, Retry."""

import pytest

from calls.models import CallSyncSettings
from delivery.models import SyncRecord
from portal.celery import app
from tests.calls.conftest import call_events, event
from tests.calls.fakes import transient
from tests.conftest import login, screenshot

URL = "/api/v1/call-events/"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def console_data(api, tenant, fake_connector, settings):

    settings.CALLS_MAX_ATTEMPTS = 1
    conf = CallSyncSettings.for_connector(fake_connector)
    conf.min_duration_seconds = 10
    conf.save()
    crm = fake_connector.connector.crm
    api.post(URL, call_events("1WS.100", start="2026-11-20T09:00:00+01:00"), format="json")
    api.post(
        URL,
        call_events(
            "1WS.101",
            start="2026-11-20T09:30:00+01:00",
            duration=4,
            caller="+420601222333",
            agent_email="anna@acme.com",
        ),
        format="json",
    )
    api.post(
        URL,
        [
            event("1WS.102", "ringing", "2026-11-20T10:00:00+01:00", caller="+420602444555"),
            event("1WS.102", "missed", "2026-11-20T10:00:40+01:00", caller="+420602444555"),
        ],
        format="json",
    )
    crm.faults.append(transient("HTTP 503 from fake: maintenance"))
    api.post(
        URL,
        call_events(
            "1WS.103", start="2026-11-20T11:00:00+01:00", caller="+420603666777", queue="Sales"
        ),
        format="json",
    )
    assert app.conf.task_always_eager
    return crm


def test_console(page, support_user, console_data, fake_connector):
    login(page, support_user.email)
    page.goto("/calls/")
    rows = page.locator("#calls tbody tr")
    assert rows.count() == 4
    assert page.locator("text=Fake: dead").count() == 1
    screenshot(page, "calls-list")

    page.fill("input[name=phone]", "601 222 333")
    page.click("button:has-text('Filter')")
    assert rows.count() == 1
    why = rows.first.inner_text()  # the reason in words under the badge; the code stays in the API
    assert "shorter than the 10 s minimum (4 s)" in why and "below_min_duration" not in why
    page.click("#calls tbody tr a")
    reason = page.locator("#sync .reason").first.inner_text()
    assert "not synced: the call lasted 4 s, below the 10 s minimum" in reason
    screenshot(page, "calls-detail-skipped")

    page.goto("/calls/?sync_state=dead")
    assert rows.count() == 1
    page.click("#calls tbody tr a")
    assert "HTTP 503 from fake: maintenance" in page.locator("#sync").inner_text()
    screenshot(page, "calls-detail-dead")
    page.click("button:has-text('Retry (decide again)')")
    page.wait_for_load_state("networkidle")
    assert "Synced" in page.locator("#sync").inner_text()
    assert SyncRecord.objects.unscoped().filter(state="dead").count() == 0
    screenshot(page, "calls-detail-retried")

    page.goto("/calls/dashboard/")
    assert page.locator("#daily-chart rect.bar-synced").count() >= 1
    screenshot(page, "calls-dashboard")


def test_viewer_has_no_retry(page, viewer_user, console_data):
    login(page, viewer_user.email)
    page.goto("/calls/?sync_state=dead")
    page.click("#calls tbody tr a")
    assert page.locator("button:has-text('Retry')").count() == 0
