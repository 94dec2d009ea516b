"""The CRM's own request id on each delivery attempt (issue 12, item 2: "CRM request id where
there is one"): Dataverse answers every Web API request with x-ms-service-request-id; the seam
reads it and the outbox keeps it on the attempt row, for a success and for a failure alike."""

from datetime import timedelta

import pytest
from django.utils import timezone

from calls import tasks
from delivery.models import SyncRecord
from portal import http
from simulators.dynamics365 import Dynamics365Simulator
from tests.calls.conftest import call_events
from tests.factories import make_connector

URL = "/api/v1/call-events/"


@pytest.fixture
def sim(monkeypatch):
    s = Dynamics365Simulator().start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(s.ca_file()))  # connectors built by the outbox
    yield s
    s.stop()


@pytest.fixture
def dynamics(tenant, sim):
    account = make_connector(
        tenant, "dynamics365", "D365", sim.account_settings(), sim.account_credentials()
    )
    account.connector.authorize()
    return account


def test_a_synced_attempt_keeps_the_crm_request_id(api, dynamics, sim, run_on_commit):
    run_on_commit(api.post, URL, call_events("R1"), format="json")
    record = SyncRecord.objects.for_tenant(dynamics.tenant).get()
    (attempt,) = record.delivery_attempts.all()
    assert record.state == "synced" and attempt.outcome == "synced"
    assert attempt.crm_request_id in sim.request_ids  # the id Dataverse gave that write


def test_a_failed_attempt_keeps_the_request_id_of_the_failing_answer(
    api, dynamics, sim, run_on_commit
):
    sim.fail_next(status=503, times=1, body={"error": {"code": "0x80040216", "message": "busy"}})
    run_on_commit(api.post, URL, call_events("R2"), format="json")
    record = SyncRecord.objects.for_tenant(dynamics.tenant).get()
    assert record.state == "failed"
    SyncRecord.objects.for_tenant(dynamics.tenant).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    run_on_commit(tasks.sweep)
    failed, synced = record.delivery_attempts.order_by("id")
    assert (failed.outcome, synced.outcome) == ("failed", "synced")
    assert failed.crm_request_id and synced.crm_request_id
    assert failed.crm_request_id != synced.crm_request_id
    assert {failed.crm_request_id, synced.crm_request_id} <= set(sim.request_ids)


def test_the_seam_reads_the_request_id_of_an_error_answer(sim):
    sim.fail_next(status=429, times=1, headers={"Retry-After": "3"})
    http.forget_request_id()
    with pytest.raises(http.HttpError) as caught:
        http.request("GET", f"{sim.url}/api/data/v9.2/WhoAmI", session=sim.session(), retries=0)
    assert caught.value.request_id == sim.request_ids[-1] == http.last_request_id()
