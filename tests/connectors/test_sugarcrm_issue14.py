"""SugarCRM, issue 14: wrap-up, updates by PUT, callbacks as planned calls, emails / chats / SMS,
existing Calls within the start margin, Cases completed after the call. All over real HTTP
against the simulator (which models Sugar's PUT: partial update, 404, archived emails fixed)."""

from datetime import UTC, datetime, timedelta

import pytest

from connectors.capabilities import Capability
from connectors.registry import provider
from connectors.types import InteractionLog, TicketCompletion, TicketRequest
from portal import http
from simulators.sugarcrm import SugarCRMSimulator
from tests.connectors.test_sugarcrm import call
from tests.factories import make_connector

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def running_sim():
    simulator = SugarCRMSimulator().start()
    yield simulator
    http.default_session().close()
    simulator.stop()


@pytest.fixture
def sim(running_sim):
    running_sim.seed()
    running_sim.faults.clear()
    running_sim.requests.clear()
    return running_sim


@pytest.fixture
def sugar(tenant, sim):
    settings, credentials = SugarCRMSimulator.demo_account(sim.url)
    account = make_connector(tenant, kind="sugarcrm", settings=settings, credentials=credentials)
    connector = account.connector
    connector.authorize()
    return connector


def bulk_bodies(sim) -> int:
    return sum(1 for _m, p in sim.requests if p.endswith("/bulk"))


@pytest.fixture
def jana(sugar):
    return sugar.find_contacts_by_phone("+420773794804")[0].crm_id


def test_provider_declares_the_issue_14_capabilities():
    p = provider("sugarcrm")
    for cap in (
        Capability.INTERACTIONS,
        Capability.CALL_UPDATES,
        Capability.FIND_CALLS,
        Capability.TICKET_COMPLETION,
    ):
        assert p.can(cap)
    assert p.interaction_channels == ("email", "chat", "sms") and not p.no_update_reason


def test_wrapup_goes_into_the_description(sugar, sim):
    result = sugar.log_calls(
        [call(notes="Wants a refund", disposition="Resolved", tags=["vip", "refund"])]
    )[0]
    text = sim.records["Calls"][result.crm_id]["description"]
    assert "Disposition: Resolved" in text and "Tags: vip, refund" in text
    assert "Notes: Wants a refund" in text and result.action == "created"


def test_second_send_updates_the_same_call_by_key(sugar, sim, jana):
    first = sugar.log_calls([call(contact_crm_id=jana)])[0]
    later = call(contact_crm_id=jana, recording_url="https://rec.example/1.mp3", disposition="Sale")
    second = sugar.log_calls([later])[0]
    assert second.ok and second.action == "updated" and second.crm_id == first.crm_id
    assert len(sim.records["Calls"]) == 1 and sim.updates == 1
    record = sim.records["Calls"][first.crm_id]
    assert "Recording: https://rec.example/1.mp3" in record["description"]
    assert "Disposition: Sale" in record["description"] and record["parent_id"] == jana
    assert ("POST", "/rest/v11/Calls/filter") in sim.requests  # found by the key lookup


def test_update_by_stored_id_is_one_request_per_batch(sugar, sim):
    created = sugar.log_calls([call(f"acme:c{i}:a1") for i in range(10)])
    sim.requests.clear()
    wrapups = [
        call(f"acme:c{i}:a1", notes=f"note {i}", crm_record_id=r.crm_id)
        for i, r in enumerate(created)
    ]
    updated = sugar.log_calls(wrapups)
    assert [r.action for r in updated] == ["updated"] * 10
    assert [r.crm_id for r in updated] == [r.crm_id for r in created]
    assert sim.requests == [("POST", "/rest/v11/bulk")]  # no lookup: the ids were stored
    assert sim.records["Calls"][created[3].crm_id]["description"].endswith("Notes: note 3")
    assert len(sim.records["Calls"]) == 10


def test_put_keeps_the_fields_it_does_not_send(sugar, sim):
    first = sugar.log_calls([call()])[0]
    sim.records["Calls"][first.crm_id]["status"] = "Held"
    sim.records["Calls"][first.crm_id]["name"] = "Renamed in Sugar"
    record = sim._update("Calls", first.crm_id, {"description": "only this"})
    assert record["name"] == "Renamed in Sugar" and record["description"] == "only this"


def test_stored_id_deleted_in_sugar_is_written_again(sugar, sim):
    first = sugar.log_calls([call()])[0]
    sim.records["Calls"][first.crm_id]["deleted"] = True
    again = sugar.log_calls([call(crm_record_id=first.crm_id, notes="late")])[0]
    assert again.ok and again.action == "created" and again.crm_id != first.crm_id
    assert "Notes: late" in sim.records["Calls"][again.crm_id]["description"]


def test_simulator_put_unknown_id_is_404(sugar, sim):
    token = sugar.get_token()
    reply = sugar.client.bulk(
        token, [{"url": "/Calls/no-such-id", "method": "PUT", "data": {"name": "x"}}]
    )[0]
    assert reply["status"] == 404 and reply["contents"]["error"] == "not_found"


def test_callback_is_a_planned_outbound_call_due_then(sugar, sim, jana):
    due = T0 + timedelta(hours=3)
    result = sugar.log_calls(
        [call(status="callback", due_at=due, contact_crm_id=jana, direction="in")]
    )[0]
    record = sim.records["Calls"][result.crm_id]
    assert record["status"] == "Planned" and record["direction"] == "Outbound"
    assert record["date_start"] == "2026-11-20T12:00:00+00:00" and "date_end" not in record
    no_due = sugar.log_calls([call("acme:cb2", status="callback")])[0]
    assert sim.records["Calls"][no_due.crm_id]["date_start"] == "2026-11-20T09:00:00+00:00"


# --- emails, chats, SMS ------------------------------------------------------------------------


def interaction(key="acme:i1", channel="email", **kw) -> InteractionLog:
    values = dict(
        key=key,
        channel=channel,
        direction="in",
        address="jana.novakova@example.com" if channel == "email" else "+420773794804",
        started_at=T0,
        ended_at=T0 + timedelta(minutes=5),
        subject="Order 1234 late",
        body="Where is my parcel?",
    )
    return InteractionLog(**{**values, **kw})


def test_email_is_an_archived_email_linked_to_the_contact(sugar, sim, jana):
    owner = sugar.list_users()[1].crm_id
    result = sugar.log_interactions(
        [interaction(contact_crm_id=jana, owner_crm_id=owner, disposition="Answered")]
    )[0]
    assert (
        result.ok
        and result.action == "created"
        and result.url.endswith(f"/#Emails/{result.crm_id}")
    )
    email = sim.records["Emails"][result.crm_id]
    assert email["state"] == "Archived" and email["name"] == "Order 1234 late"
    assert email["parent_type"] == "Contacts" and email["parent_id"] == jana
    assert email["assigned_user_id"] == owner and email["message_id"] == "<acme:i1@ccportal>"
    assert email["date_sent"] == "2026-11-20T09:00:00+00:00"
    assert "Where is my parcel?" in email["description"]
    assert "Email from jana.novakova@example.com" in email["description"]
    assert "Disposition: Answered" in email["description"] and not sim.records["Notes"]


def test_email_resend_updates_only_what_sugar_lets_change(sugar, sim, jana):
    first = sugar.log_interactions([interaction()])[0]
    owner = sugar.list_users()[2].crm_id
    again = sugar.log_interactions(
        [interaction(contact_crm_id=jana, owner_crm_id=owner, body="changed")]
    )[0]
    assert again.ok and again.action == "updated" and again.crm_id == first.crm_id
    email = sim.records["Emails"][first.crm_id]
    assert email["parent_id"] == jana and email["assigned_user_id"] == owner
    assert "changed" not in email["description"]  # an archived email's body is fixed
    unchanged = sugar.log_interactions([interaction(crm_record_id=first.crm_id)])[0]
    assert unchanged.action == "unchanged" and unchanged.crm_id == first.crm_id
    assert len(sim.records["Emails"]) == 1


def test_simulator_refuses_changing_an_archived_emails_body(sugar, sim):
    first = sugar.log_interactions([interaction()])[0]
    reply = sugar.client.bulk(
        sugar.get_token(),
        [{"url": f"/Emails/{first.crm_id}", "method": "PUT", "data": {"description": "x"}}],
    )[0]
    assert reply["status"] == 403 and reply["contents"]["error"] == "not_authorized"


def test_chat_and_sms_are_notes_and_a_resend_updates_them(sugar, sim, jana):
    items = [
        interaction("acme:chat1", "chat", contact_crm_id=jana, tags=["web"]),
        interaction("acme:sms1", "sms", subject="", contact_crm_id=jana, contact_type="contact"),
        interaction("acme:mail1", "email"),
    ]
    results = sugar.log_interactions(items)
    assert [r.action for r in results] == ["created"] * 3
    assert bulk_bodies(sim) == 1  # notes and the email in one bulk
    chat = sim.records["Notes"][results[0].crm_id]
    assert chat["cc_interaction_key_c"] == "acme:chat1" and chat["parent_id"] == jana
    assert chat["contact_id"] == jana and "Chat from +420773794804" in chat["description"]
    assert "Tags: web" in chat["description"]
    assert sim.records["Notes"][results[1].crm_id]["name"] == "SMS +420773794804"
    again = sugar.log_interactions([interaction("acme:chat1", "chat", notes="follow up")])[0]
    assert again.action == "updated" and again.crm_id == results[0].crm_id
    assert "Notes: follow up" in sim.records["Notes"][again.crm_id]["description"]
    assert len(sim.records["Notes"]) == 2


def test_unknown_channel_is_a_permanent_error(sugar):
    result = sugar.log_interactions([interaction(channel="fax")])[0]
    assert not result.ok and result.permanent


# --- existing calls within the start margin --------------------------------------------------------


def test_find_calls_links_someone_elses_call_within_the_margin(sugar, sim, jana):
    theirs = sim.add_record(
        "Calls",
        name="Call logged by Sugar's CTI",
        status="Held",
        direction="Inbound",
        date_start="2026-11-20T10:00:40+01:00",  # Sugar answers in the user's offset
        parent_type="Contacts",
        parent_id=jana,
    )
    sim.add_record(  # another customer at the same time
        "Calls",
        name="other",
        status="Held",
        date_start="2026-11-20T09:00:10+00:00",
        parent_type="Contacts",
        parent_id="someone-else",
    )
    sim.add_record(  # the same customer, too late
        "Calls",
        name="late",
        status="Held",
        date_start="2026-11-20T09:05:00+00:00",
        parent_type="Contacts",
        parent_id=jana,
    )
    ours = sugar.log_calls([call("acme:mine", contact_crm_id=jana)])[0]  # our own key
    sim.requests.clear()
    found = sugar.find_calls(
        [call("acme:mine", contact_crm_id=jana), call("acme:x", contact_crm_id=jana)], 60
    )
    assert found["acme:x"].crm_id == theirs["id"]
    assert found["acme:x"].started_at == T0 + timedelta(seconds=40)
    assert found["acme:x"].url.endswith(f"/#Calls/{theirs['id']}")
    # never a Call we wrote (this key or another): the CTI's, though ours starts closer
    assert found["acme:mine"].crm_id == theirs["id"] != ours.crm_id
    assert sim.requests == [("POST", "/rest/v11/Calls/filter")]
    assert sugar.find_calls([call("acme:y", contact_crm_id=jana)], 30) == {}


def test_find_calls_without_a_matched_contact_searches_by_number(sugar, sim, jana):
    theirs = sim.add_record(
        "Calls",
        name="cti",
        status="Held",
        date_start="2026-11-20T08:59:30+00:00",
        parent_type="Contacts",
        parent_id=jana,
    )
    sim.add_record(  # a planned callback is not a logged call
        "Calls",
        name="cb",
        status="Planned",
        date_start="2026-11-20T09:00:00+00:00",
        parent_type="Contacts",
        parent_id=jana,
    )
    sim.requests.clear()
    calls = [call("acme:a"), call("acme:b", phone="+420 603 123 456"), call("acme:c", phone="")]
    found = sugar.find_calls(calls, 120)
    assert set(found) == {"acme:a"} and found["acme:a"].crm_id == theirs["id"]
    assert [p for _m, p in sim.requests] == ["/rest/v11/bulk", "/rest/v11/Calls/filter"]


# --- tickets completed after the call ----------------------------------------------------------


def test_complete_ticket_appends_the_outcome_once(sugar, sim):
    case = sugar.create_ticket(TicketRequest(key="acme:t1", subject="Call", description="Opened"))
    done = TicketCompletion(
        key="acme:t1", crm_id=case.crm_id, outcome="answered", description="Duration 1:35"
    )
    first = sugar.complete_ticket(done)
    assert first.ok and first.action == "updated" and first.url.endswith(f"/#Cases/{case.crm_id}")
    text = sim.records["Cases"][case.crm_id]["description"]
    assert text.startswith("Opened\n\nCall outcome: answered\nDuration 1:35")
    again = sugar.complete_ticket(done)
    assert again.ok and again.action == "unchanged"
    assert sim.records["Cases"][case.crm_id]["description"] == text and sim.updates == 1


def test_complete_unknown_ticket_is_a_permanent_error(sugar):
    result = sugar.complete_ticket(TicketCompletion(key="k", crm_id="nope", outcome="missed"))
    assert not result.ok and result.permanent and "404" in result.error
