"""Daktela completion over real HTTP: the seed's events URL (seed 000) yields a call with the
caller, direction, agent and contact read from Daktela's API, logged to Salesforce with the
agent's owner; Daktela failures never lose the event."""

import pytest

from calls.models import Call, CallActivity, CallEvent
from contacts.models import UserMapping
from delivery.models import SyncRecord
from platforms.registry import platform_for
from simulators.daktela.data import call_activity
from tests.calls.identity import PHONE, stored
from tests.factories import authorized_salesforce

pytestmark = pytest.mark.simulator(contacts=5)

URL = "/api/v1/call-events/daktela/"
ACTIVITY, CALL = "activities_181s-d845", "1WS.58184"
# Exactly the seed's parameters (its events URL), as Daktela substitutes them: nothing else.
SEED = {
    "ID": CALL,
    "ActivityID": ACTIVITY,
    "CallType": "Complaint",
    "QueueStart": "2026-11-20 10:00:00",
    "RingingStart": "2026-11-20 10:00:03",
    "CallStart": "2026-11-20 10:00:10",
    "CallEnd": "2026-11-20 10:01:45",
    "Answered": "1",
    "Duration": "95",
    "WaitTime": "10",
    "QueueId": "1000",
}


@pytest.fixture
def sf(tenant, salesforce_sim):
    return authorized_salesforce(tenant, salesforce_sim)


@pytest.fixture
def seeded(daktela_sim):
    return daktela_sim.add_activity(call_activity(ACTIVITY, CALL, clid=PHONE, user="jdoe"))


def get(client, api, run_on_commit, params=SEED):
    return run_on_commit(client.get, URL, {**params, "access_token": api.raw_key})


def test_complete_activity_reads_the_call(daktela, seeded):
    details = platform_for(daktela).complete_activity(ACTIVITY)
    assert details.channel == "call" and details.activity_id == ACTIVITY
    ev = details.event
    assert (ev["caller"], ev["callee"], ev["direction"]) == (PHONE, "+420226211245", "in")
    assert (ev["agent_id"], ev["agent_email"]) == ("jdoe", "J.Doe@acme-sim.example.com")
    assert (ev["queue"], ev["disposition"], ev["status"]) == ("1000", "Complaint", "answered")
    assert (ev["duration_seconds"], ev["wait_seconds"]) == (95, 10)
    assert ev["ended_at"] == "2026-11-20T10:01:45+01:00"  # the tenant's zone (Europe/Prague)
    assert platform_for(daktela).complete_activity("activities_nope") is None


def test_other_channels_and_outbound(daktela, daktela_sim):
    assert platform_for(daktela).complete_activity("activities_demo_mail").channel == "email"
    daktela_sim.add_activity(
        call_activity("act_out", "1WS.9", clid="+420601111222", direction="out")
    )
    ev = platform_for(daktela).complete_activity("act_out").event
    assert (ev["direction"], ev["callee"], ev["caller"]) == (
        "out",
        "+420601111222",
        "+420226211245",
    )


def test_seed_url_yields_call_logged_with_agents_owner(
    client, api, tenant, sf, salesforce_sim, daktela, seeded, run_on_commit
):
    agent_user = salesforce_sim.users[3]["Id"]  # John Doe
    UserMapping.objects.create(tenant=tenant, connector=sf, agent_id="jdoe", crm_user_id=agent_user)
    contact = salesforce_sim.add_contact(LastName="Caller", Phone=PHONE)
    stored(tenant, sf, contact["Id"])
    response = get(client, api, run_on_commit)
    assert response.status_code == 202 and response.json() == {"accepted": 1, "duplicates": 0}
    call = Call.objects.get(tenant=tenant, call_id=CALL)
    assert call.caller_e164 == PHONE and call.direction == "in" and call.queue == "1000"
    assert call.agent_id == "jdoe" and call.status == "answered" and call.duration_seconds == 95
    activity = CallActivity.objects.unscoped().get(call=call)
    assert activity.agent_email == "J.Doe@acme-sim.example.com"
    row = SyncRecord.objects.unscoped().get(call=call)
    assert row.state == "synced", row.last_error
    task = salesforce_sim.tasks[row.key]
    assert task["WhoId"] == contact["Id"] and task["OwnerId"] == agent_user
    # CallType (the activity's status title) is the disposition, in the CRM's own field
    assert call.disposition == SEED["CallType"] and task["CallDisposition"] == SEED["CallType"]
    # the direction is Daktela's, not a guess from CallType (the status title)
    assert all(e.data.get("direction") == "in" for e in CallEvent.objects.for_tenant(tenant))
    again = get(client, api, run_on_commit)
    assert again.json() == {"accepted": 0, "duplicates": 1}


def test_form_values_win(client, api, tenant, daktela, seeded, run_on_commit):
    params = {**SEED, "Clid": "+420601999888", "QueueId": "Sales", "Direction": "in"}
    assert get(client, api, run_on_commit, params).status_code == 202
    call = Call.objects.get(tenant=tenant, call_id=CALL)
    assert call.caller_e164 == "+420601999888" and call.queue == "Sales"
    assert call.agent_id == "jdoe"  # what the URL lacked still comes from Daktela


def test_without_daktela_account_the_url_alone(client, api, tenant, daktela_sim, run_on_commit):
    assert get(client, api, run_on_commit).status_code == 202
    call = Call.objects.get(tenant=tenant, call_id=CALL)
    assert call.caller_e164 == "" and call.direction == "" and call.ended
    assert not [p for _m, p in daktela_sim.requests if "/activities/" in p]


def test_disabled_account_is_not_asked(
    client, api, tenant, daktela, daktela_sim, seeded, run_on_commit
):
    daktela.enabled = False
    daktela.save()
    assert get(client, api, run_on_commit).status_code == 202
    assert Call.objects.get(tenant=tenant, call_id=CALL).caller_e164 == ""
    assert not [p for _m, p in daktela_sim.requests if "/activities/" in p]


def test_bad_token_stores_the_url_and_says_what_to_fix(
    client, api, tenant, daktela, seeded, run_on_commit
):
    daktela.credentials = {"access_token": "wrong"}
    daktela.save()
    assert get(client, api, run_on_commit).status_code == 202
    call = Call.objects.get(tenant=tenant, call_id=CALL)
    assert call.ended and call.caller_e164 == ""  # not lost: decided with what the URL had
    daktela.refresh_from_db()
    assert daktela.last_error.startswith("The access token of Daktela sim is not valid: ")
    assert "Access tokens" in daktela.last_error


def test_transient_failure_completes_later(
    client, api, tenant, daktela, daktela_sim, seeded, run_on_commit, monkeypatch
):
    """Daktela 503 on the GET's own read: the call stays open (nothing decided), the task
    completes it (Celery is eager here: its first run also meets the 503s, its retry not)."""
    daktela_sim.fail_next(status=503, times=6, path="/activities/")
    assert get(client, api, run_on_commit).status_code == 202
    call = Call.objects.get(tenant=tenant, call_id=CALL)
    assert call.ended and call.caller_e164 == PHONE and call.agent_id == "jdoe"
    assert CallEvent.objects.for_tenant(tenant).count() == 3


def test_daktela_down_for_good_still_stores_the_end(
    client, api, tenant, daktela, daktela_sim, seeded, run_on_commit
):
    daktela_sim.fail_next(status=503, times=1000, path="/activities/")
    assert get(client, api, run_on_commit).status_code == 202
    call = Call.objects.get(tenant=tenant, call_id=CALL)
    assert call.ended and call.caller_e164 == "" and call.duration_seconds == 95
