"""Callbacks are open work for the agent (issue 14 point 5): the CallLog a callback request
becomes has status "callback", a due time, no end and no duration, so each CRM writes an open
Task / planned call (the connectors' own tests cover the CRM side). Over the real pipeline:
requests posted to the API, processed, delivered through the outbox to a fake CRM."""

from datetime import timedelta

import pytest
from django.utils import timezone

from automations.models import CallbackProfile
from tests.automations.fakes_tickets import ticket_connector


@pytest.mark.parametrize(
    ("sync_method", "extra"),
    [("all_open", timedelta(0)), ("age_window", timedelta(hours=3))],
)
def test_callback_is_open_work_due_at_the_requested_time_or_window(
    api,
    tenant,
    ticket_crm,
    run_on_commit,
    sync_method,
    extra,
):
    account = ticket_connector(tenant)
    CallbackProfile.objects.create(
        tenant=tenant,
        connector=account,
        name="Support callbacks",
        callback_list="support-cb",
        sync_method=sync_method,
        age_unit="hours",
        age=3,
    )
    requested = (timezone.now() - timedelta(minutes=10)).replace(microsecond=0)
    body = {
        "request_id": "cb-1",
        "callback_list": "support-cb",
        "phone": "+420773794804",
        "requested_at": requested.isoformat(),
        "queue": "Support",
        "note": "after 3 pm please",
    }
    response = run_on_commit(api.post, "/api/v1/callback-requests/", body, format="json")
    assert response.status_code == 202, response.json()
    (record,) = ticket_crm.records.values()
    log = record["log"]
    assert log.status == "callback" and not log.missed
    assert log.ended_at is None and log.duration_seconds == 0
    assert log.due_at == requested + extra
    assert log.started_at == requested
    assert f"Call back by {requested + extra:%Y-%m-%d %H:%M}" in log.description
    assert api.get("/api/v1/callback-requests/").json()["results"][0]["state"] == "synced"
