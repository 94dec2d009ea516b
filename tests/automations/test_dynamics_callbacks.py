"""Callback requests become planned phone calls in a Dynamics 365 queue, owned by the queue's owner."""

from datetime import timedelta

import pytest
from django.utils import timezone

from automations.models import CallbackProfile, CallbackRequest
from simulators.dynamics365 import Dynamics365Simulator
from tests.factories import make_connector


@pytest.fixture
def sim(monkeypatch):
    s = Dynamics365Simulator().start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(s.ca_file()))  # connectors built by the outbox
    yield s
    s.stop()


def test_queue_owner_callback_lands_in_the_queue(
    api, tenant, sim, django_capture_on_commit_callbacks
):
    account = make_connector(
        tenant, "dynamics365", "D365", sim.account_settings(), sim.account_credentials()
    )
    account.connector.authorize()
    queue_id, queue = next(
        (q, row) for q, row in sim.tables["queues"].items() if row["name"] == "Support"
    )
    body = {
        "connector": account.pk,
        "name": "Support callbacks",
        "callback_list": "support-cb",
        "crm_queue_id": queue_id,
        "ownership": "queue_owner",
        "duplicates": "ignore",
    }
    r = api.post("/api/v1/callback-profiles/", body, format="json")
    assert r.status_code == 201, r.json()  # the queue id was checked against the live list
    bad = api.post(
        "/api/v1/callback-profiles/",
        {**body, "callback_list": "x", "crm_queue_id": "nope"},
        format="json",
    )
    assert bad.status_code == 400 and "no queue" in bad.json()["error"]["fields"]["crm_queue_id"][0]

    at = (timezone.now() - timedelta(minutes=3)).isoformat()
    request = {
        "request_id": "cb-9",
        "callback_list": "support-cb",
        "phone": "+420773794804",
        "requested_at": at,
        "queue": "Support",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/v1/callback-requests/", request, format="json").status_code == 202
    row = CallbackRequest.objects.unscoped().get(request_id="cb-9")
    assert row.state == "synced", row.reason
    phonecall = next(p for p in sim.phonecalls.values() if p["activityid"] == row.crm_record_id)
    assert phonecall["_ownerid_value"] == queue["_ownerid_value"]
    assert phonecall["scheduledstart"] and phonecall["directioncode"] is True
    assert [(i["objectid"], i["queueid"]) for i in sim.queue_items] == [
        (row.crm_record_id, queue_id)
    ]
    assert CallbackProfile.objects.unscoped().get().crm_queue_id == queue_id
