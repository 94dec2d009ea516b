"""Triggers and callback profiles against the Salesforce simulator over real HTTP."""

from datetime import timedelta

import pytest
from django.utils import timezone

from automations.models import CallbackProfile, CallbackRequest, Trigger
from calls.models import Call
from contacts.models import UserMapping
from delivery.models import SyncRecord
from tests.calls.conftest import call_events, event
from tests.factories import authorized_salesforce

pytestmark = pytest.mark.simulator(contacts=5)  # the seed of salesforce_sim (tests/conftest.py)


@pytest.fixture
def sf(tenant, salesforce_sim):
    return authorized_salesforce(tenant, salesforce_sim)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def missed_call(call_id, queue="Support", **extra):
    return [
        event(call_id, "ringing", "2026-11-20T10:00:00+01:00", queue=queue, **extra),
        event(call_id, "missed", "2026-11-20T10:00:30+01:00", queue=queue, **extra),
    ]


def test_matching_call_opens_exactly_one_case(api, tenant, sf, salesforce_sim, run):
    user = salesforce_sim.users[0]
    UserMapping.objects.create(
        tenant=tenant,
        connector=sf,
        agent_id="jdoe",
        agent_email="j.doe@acme.com",
        crm_user_id=user["Id"],
        matched_by="manual",
    )
    Trigger.objects.create(
        tenant=tenant,
        connector=sf,
        name="Missed support",
        queues=["Support"],
        statuses=["missed"],
        directions=["in"],
        subject_template="Missed call from {caller}",
    )
    assert (
        run(api.post, "/api/v1/call-events/", missed_call("M1"), format="json").status_code == 202
    )
    assert (
        run(
            api.post, "/api/v1/call-events/", missed_call("M2", queue="Sales"), format="json"
        ).status_code
        == 202
    )
    assert (
        run(api.post, "/api/v1/call-events/", call_events("A1"), format="json").status_code == 202
    )
    assert len(salesforce_sim.cases) == 1
    case = next(iter(salesforce_sim.cases.values()))
    assert case["Subject"] == "Missed call from +420773794804"
    assert case["OwnerId"] == user["Id"]
    assert "Queue: Support" in case["Description"]

    call = Call.objects.unscoped().get(call_id="M1")
    body = api.get(f"/api/v1/calls/{call.pk}/").json()
    ticket = [s for s in body["sync"] if s.get("kind") == "ticket"]
    assert len(ticket) == 1 and ticket[0]["state"] == "synced" and ticket[0]["crm_record_url"]

    # re-delivery (same events again, and a manual retry of everything) never opens a second case
    run(api.post, "/api/v1/call-events/", missed_call("M1"), format="json")
    SyncRecord.objects.unscoped().filter(kind="ticket").update(state="dead")
    run(api.post, f"/api/v1/calls/{call.pk}/retry/")
    assert len(salesforce_sim.cases) == 1
    assert SyncRecord.objects.unscoped().get(kind="ticket").state == "synced"


def test_private_calls_open_no_ticket(api, tenant, sf, salesforce_sim, run):
    Trigger.objects.create(tenant=tenant, connector=sf, name="Any call")
    run(api.post, "/api/v1/call-events/", missed_call("P1", privacy="private"), format="json")
    assert (
        salesforce_sim.cases == {}
        and not SyncRecord.objects.unscoped().filter(kind="ticket").exists()
    )


def post_requests(api, run, *items):
    response = run(api.post, "/api/v1/callback-requests/", list(items), format="json")
    assert response.status_code == 202, response.json()


def cb(n, phone="+420773794804", queue="Support", minutes_ago=5):
    at = (timezone.now() - timedelta(minutes=minutes_ago)).isoformat()
    return {
        "request_id": f"cb-{n}",
        "callback_list": "support-cb",
        "phone": phone,
        "requested_at": at,
        "queue": queue,
        "note": f"note {n}",
    }


def test_callbacks_bundle_and_queue_owner(api, tenant, sf, salesforce_sim, run):
    queue = next(q for q in salesforce_sim.queues if q["Type"] == "Queue")
    owner = salesforce_sim.users[3]["Id"]
    queue["OwnerId"] = owner  # the simulator's live row: the queue now belongs to that user
    CallbackProfile.objects.create(
        tenant=tenant,
        connector=sf,
        name="Support",
        callback_list="support-cb",
        crm_queue_id=queue["Id"],
        ownership="queue_owner",
        duplicates="bundle",
        subject="Call back {phone}",
    )
    post_requests(api, run, cb(1), cb(2), cb(3, phone="+420111222333"))
    states = dict(CallbackRequest.objects.unscoped().values_list("request_id", "state"))
    assert states == {"cb-1": "synced", "cb-2": "synced", "cb-3": "synced"}
    assert len(salesforce_sim.tasks) == 3
    second = CallbackRequest.objects.unscoped().get(request_id="cb-2")
    assert second.bundled_with.request_id == "cb-1"
    task = salesforce_sim.tasks[next(k for k in salesforce_sim.tasks if k.endswith("cb-cb-2"))]
    assert "Bundled with request cb-1" in task["Description"]
    assert task["OwnerId"] == owner
    # idempotent by request_id: sending them again changes nothing
    post_requests(api, run, cb(1), cb(2))
    assert len(salesforce_sim.tasks) == 3


def test_callbacks_ignore_duplicates_and_age_window(api, tenant, sf, salesforce_sim, run):
    CallbackProfile.objects.create(
        tenant=tenant,
        connector=sf,
        name="Support",
        callback_list="support-cb",
        ownership="api_user",
        duplicates="ignore",
        sync_method="age_window",
        age_unit="hours",
        age=1,
    )
    post_requests(
        api, run, cb(1), cb(2), cb(3, queue="Sales"), cb(4, phone="+420111222333", minutes_ago=61)
    )
    states = dict(CallbackRequest.objects.unscoped().values_list("request_id", "state"))
    assert states == {"cb-1": "synced", "cb-2": "ignored", "cb-3": "synced", "cb-4": "skipped"}
    assert len(salesforce_sim.tasks) == 2
    ignored = CallbackRequest.objects.unscoped().get(request_id="cb-2")
    assert (
        ignored.crm_record_id
        == CallbackRequest.objects.unscoped().get(request_id="cb-1").crm_record_id
    )


def test_closing_the_first_request_lets_the_next_one_sync(api, tenant, sf, salesforce_sim, run):
    CallbackProfile.objects.create(
        tenant=tenant, connector=sf, name="Support", callback_list="support-cb", duplicates="ignore"
    )
    post_requests(api, run, cb(1), cb(2))
    first = CallbackRequest.objects.unscoped().get(request_id="cb-1")
    assert CallbackRequest.objects.unscoped().get(request_id="cb-2").state == "ignored"
    assert api.post(f"/api/v1/callback-requests/{first.pk}/close/").status_code == 200
    post_requests(api, run, cb(3))
    assert CallbackRequest.objects.unscoped().get(request_id="cb-3").state == "synced"
    assert len(salesforce_sim.tasks) == 2
