"""Call events through the whole pipeline into both simulators over real HTTP:
API -> ingest -> (retailCRM: live call event) -> fold -> decide -> outbox -> connector."""

import pytest

from contacts.models import UserMapping
from delivery.models import SyncRecord
from portal import http
from simulators.retailcrm import RetailCRMSimulator
from simulators.sugarcrm import SugarCRMSimulator
from tests.calls.conftest import call_events, event
from tests.factories import make_connector

URL = "/api/v1/call-events/"


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (Celery is eager): ingest -> fold -> decide -> deliver."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def connect(tenant, sim_class):
    sim = sim_class().start()
    settings, credentials = sim_class.demo_account(sim.url)
    account = make_connector(tenant, kind=sim.name, settings=settings, credentials=credentials)
    return sim, account


@pytest.fixture
def retail(tenant):
    sim, account = connect(tenant, RetailCRMSimulator)
    UserMapping.objects.create(
        tenant=tenant,
        connector=account,
        agent_id="jdoe",
        agent_email="j.doe@acme.com",
        crm_user_id="8",
    )
    account.connector.authorize()
    yield sim, account
    http.default_session().close()
    sim.stop()


@pytest.fixture
def sugar(tenant):
    sim, account = connect(tenant, SugarCRMSimulator)
    account.connector.authorize()
    yield sim, account
    http.default_session().close()
    sim.stop()


def test_retailcrm_screen_pop_and_call_upload(api, retail, run_on_commit):
    sim, account = retail
    response = run_on_commit(api.post, URL, call_events("1WS.9"), format="json")
    assert response.status_code == 202
    assert sim.events == [
        {
            "phone": "+420773794804",
            "type": "in",
            "externalPhone": "+420226211245",
            "callExternalId": "1WS.9",
            "codes": ["jdoe"],
            "userIds": [8],
        }
    ]
    assert len(sim.calls) == 1
    uploaded = next(iter(sim.calls.values()))
    assert (
        uploaded["result"] == "answered" and uploaded["userId"] == 8 and uploaded["code"] == "jdoe"
    )
    record = SyncRecord.objects.unscoped().get(connector=account)
    assert record.state == "synced" and record.crm_record_id == uploaded["externalId"]


def test_retailcrm_missed_call_is_uploaded(api, retail, run_on_commit):
    sim, _account = retail
    events = [event("1WS.10", "ringing"), event("1WS.10", "missed", at="2026-11-20T10:00:20+01:00")]
    assert run_on_commit(api.post, URL, events, format="json").status_code == 202
    assert [c["result"] for c in sim.calls.values()] == ["no answer"]


def test_sugarcrm_call_logged_once(api, sugar, run_on_commit):
    sim, account = sugar
    events = call_events("1WS.11")
    assert run_on_commit(api.post, URL, events, format="json").status_code == 202
    assert run_on_commit(api.post, URL, events, format="json").status_code == 202  # resent
    calls = list(sim.records["Calls"].values())
    assert len(calls) == 1 and calls[0]["direction"] == "Inbound" and calls[0]["status"] == "Held"
    record = SyncRecord.objects.unscoped().get(connector=account)
    assert record.state == "synced" and record.crm_record_url.endswith(f"/#Calls/{calls[0]['id']}")
