"""UIS notifications -> call events -> calls' normal ingest -> the CRM (retailCRM simulator),
everything over real HTTP: UIS simulator (notification sender + Data API) and retailCRM."""

import pytest

from calls.models import Call, CallEvent
from contacts.models import UserMapping
from portal import http
from simulators.retailcrm import RetailCRMSimulator
from tests.conftest import api_client_for
from tests.factories import make_connector
from tests.platforms.helpers import make_uis_account

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def retail(tenant):
    sim = RetailCRMSimulator().start()
    settings, credentials = RetailCRMSimulator.demo_account(sim.url)
    account = make_connector(tenant, kind="retailcrm", settings=settings, credentials=credentials)
    UserMapping.objects.create(
        tenant=tenant,
        connector=account,
        agent_id="13421",
        agent_email="j.doe@acme.com",
        crm_user_id="8",
    )
    account.connector.authorize()
    yield sim, account
    http.default_session().close()
    sim.stop()


@pytest.fixture
def key(tenant):
    return api_client_for(tenant).raw_key


def notification_url(live_server, account, key):
    return (
        f"{live_server.url}/api/v1/contact-center/{account.pk}/uis/notifications/"
        f"?access_token={key}"
    )


def lost_call(session, **extra):
    return {
        "event": "call_end",
        "call_session_id": session,
        "contact_phone_number": "420773794804",
        "virtual_phone_number": "74951234567",
        "direction": "in",
        "employee_id": 13421,
        "is_lost": True,
        "notification_time": "2026-11-20 10:00:05",
        **extra,
    }


def test_missed_call_notification_is_logged_in_the_crm(live_server, tenant, uis_sim, retail, key):
    crm, _connector = retail
    account = make_uis_account(tenant, uis_sim.url)
    url = notification_url(live_server, account, key)
    response = uis_sim.notify(url, lost_call(5551))
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 1, "duplicates": 0}
    call = Call.objects.for_tenant(tenant).get(call_id="uis:5551")
    assert call.status == "missed" and call.caller == "+420773794804"
    assert len(crm.calls) == 1
    uploaded = next(iter(crm.calls.values()))
    assert uploaded["result"] == "no answer" and uploaded["userId"] == 8  # retailCRM: missed
    assert uploaded["phone"].endswith("420773794804")
    # the same notification again: acknowledged, nothing new
    again = uis_sim.notify(url, lost_call(5551))
    assert again.json() == {"accepted": 0, "duplicates": 1}
    assert len(crm.calls) == 1


def test_ended_call_is_completed_from_the_call_legs_before_the_decision(
    live_server, tenant, uis_sim, retail, key
):
    crm, _connector = retail
    account = make_uis_account(tenant, uis_sim.url)
    session = uis_sim.finish_call(
        contact="420773794804", employee_id=13421, talked=True, duration=95
    )
    body = lost_call(session, is_lost=False, employee_id="")  # UIS sent no employee
    response = uis_sim.notify(notification_url(live_server, account, key), body)
    assert response.status_code == 202, response.text
    event = CallEvent.objects.for_tenant(tenant).get(event_id=f"uis:{session}:call_end")
    assert event.data["agent_id"] == "13421" and event.data["duration_seconds"] == 95
    assert event.data["recording_url"].endswith(f"/{session}/rec{session}/")
    uploaded = next(iter(crm.calls.values()))
    assert uploaded["result"] == "answered" and uploaded["userId"] == 8
    assert uploaded["duration"] == 95


def test_disabled_account_accepts_nothing(live_server, tenant, uis_sim, key):
    account = make_uis_account(tenant, uis_sim.url, enabled=False)
    response = uis_sim.notify(notification_url(live_server, account, key), lost_call(77))
    assert response.status_code == 409 and response.json()["error"]["code"] == "disabled"
    assert not CallEvent.objects.for_tenant(tenant).exists()


def test_bad_notification_is_400_naming_the_field(live_server, tenant, uis_sim, key):
    account = make_uis_account(tenant, uis_sim.url)
    url = notification_url(live_server, account, key)
    response = uis_sim.notify(url, {"event": "call_end"})
    assert response.status_code == 400
    assert "call_session_id" in response.json()["error"]["fields"]
    response = uis_sim.notify(url, lost_call(1, event="bogus"))
    assert response.status_code == 400 and "event" in response.json()["error"]["fields"]


def test_no_key_is_401_and_a_foreign_account_is_404(
    live_server, tenant, other_tenant, uis_sim, key
):
    mine = make_uis_account(tenant, uis_sim.url)
    theirs = make_uis_account(other_tenant, uis_sim.url)
    bare = f"{live_server.url}/api/v1/contact-center/{mine.pk}/uis/notifications/"
    assert uis_sim.notify(bare, lost_call(1)).status_code == 401
    assert (
        uis_sim.notify(notification_url(live_server, theirs, key), lost_call(1)).status_code == 404
    )
    assert not CallEvent.objects.unscoped().exists()
