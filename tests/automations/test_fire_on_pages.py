"""fire_on in the API (validation per API.md), the trigger form and list, and the widget's
link to the open ticket of the agent's current call (isolated per tenant)."""

import pytest

from automations.models import Trigger
from tests.automations.fakes_tickets import ticket_connector
from tests.calls.conftest import call_events
from tests.factories import make_connector

BODY = {"name": "During the call", "queues": ["Support"], "directions": ["in"]}


@pytest.fixture
def connector(tenant):
    return make_connector(tenant)


@pytest.mark.parametrize("fire_on", ["ringing", "answered"])
def test_api_early_trigger_refuses_statuses(api, connector, fire_on):
    body = {**BODY, "connector": connector.pk, "fire_on": fire_on}
    bad = api.post("/api/v1/triggers/", {**body, "statuses": ["missed"]}, format="json")
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["code"] == "validation_error" and "statuses" in error["fields"]
    assert f"A trigger on {fire_on}" in str(error["fields"]["statuses"])
    ok = api.post("/api/v1/triggers/", body, format="json")
    assert ok.status_code == 201 and ok.json()["fire_on"] == fire_on
    tid = ok.json()["id"]
    # a PATCH that adds statuses to it, or moves a trigger with statuses to ringing: 400
    assert (
        api.patch(f"/api/v1/triggers/{tid}/", {"statuses": ["answered"]}, format="json")
    ).status_code == 400
    ended = api.post(
        "/api/v1/triggers/",
        {**body, "name": "End", "fire_on": "ended", "statuses": ["missed"]},
        format="json",
    )
    assert ended.status_code == 201
    moved = api.patch(
        f"/api/v1/triggers/{ended.json()['id']}/", {"fire_on": fire_on}, format="json"
    )
    assert moved.status_code == 400 and "statuses" in moved.json()["error"]["fields"]
    assert Trigger.objects.unscoped().get(pk=ended.json()["id"]).fire_on == "ended"


def test_api_fire_on_default_and_bad_value(api, connector):
    r = api.post("/api/v1/triggers/", {**BODY, "connector": connector.pk}, format="json")
    assert r.status_code == 201 and r.json()["fire_on"] == "ended"
    bad = api.post(
        "/api/v1/triggers/", {**BODY, "connector": connector.pk, "fire_on": "wrapup"}, format="json"
    )
    assert bad.status_code == 400 and "fire_on" in bad.json()["error"]["fields"]


def form_data(connector, **extra):
    return {
        "name": "Live",
        "connector": connector.pk,
        "active": "on",
        "queues": "Support",
        "subject_template": "Call from {caller}",
        **extra,
    }


def test_form_shows_fire_on_and_refuses_statuses(member_client, tenant, connector):
    page = member_client.get("/automations/triggers/new/").content.decode()
    assert 'name="fire_on"' in page and "completed with the call" in page
    assert 'class="field' in page  # the portal's form layout (includes/form_fields.html)
    r = member_client.post(
        "/automations/triggers/new/",
        form_data(connector, fire_on="answered", statuses=["missed"]),
    )
    assert r.status_code == 200 and "A trigger on answered" in r.content.decode()
    assert not Trigger.objects.unscoped().exists()
    r = member_client.post("/automations/triggers/new/", form_data(connector, fire_on="answered"))
    assert r.status_code == 302
    assert Trigger.objects.for_tenant(tenant).get().fire_on == "answered"
    listing = member_client.get("/automations/").content.decode()
    assert "Answered" in listing and "completed at the end" in listing


def widget(client, call_id):
    return client.get(
        "/widget/activity/", {"clid": "+420773794804", "direction": "in", "callid": call_id}
    ).content.decode()


def test_widget_links_the_open_ticket(
    api,
    member_client,
    tenant,
    ticket_crm,
    run_on_commit,
    other_tenant,
):
    account = ticket_connector(tenant)
    Trigger.objects.create(tenant=tenant, connector=account, name="R", fire_on="ringing")
    events = call_events("W1")
    assert "Open ticket" not in widget(member_client, "W1")
    run_on_commit(api.post, "/api/v1/call-events/", events[:1], format="json")
    (opened,) = ticket_crm.tickets.values()
    page = widget(member_client, "W1")
    assert "Open ticket: Case in Tickets" in page
    assert f"https://fake.crm/Case/{opened['id']}" in page
    assert "Open ticket" not in widget(member_client, "OTHER")  # another call: none
    run_on_commit(api.post, "/api/v1/call-events/", events[1:], format="json")
    page = widget(member_client, "W1")
    assert "Open ticket" not in page and "Ticket: Case in Tickets" in page  # completed

    # isolation: the other tenant's agent with the same call id sees no ticket
    from tests.conftest import make_user

    other_user = make_user("other@example.com", other_tenant)
    member_client.force_login(other_user)
    assert "fake.crm" not in widget(member_client, "W1")
