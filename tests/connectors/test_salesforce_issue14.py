"""Issue 14 on Salesforce, over HTTP against the simulator: wrap-up fields, updates of logged
calls, emails / chats / SMS as Tasks, start-margin duplicates, callbacks as open Tasks, Case
completion."""

from datetime import UTC, datetime, timedelta

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from connectors.registry import provider
from connectors.types import CallLog, InteractionLog, TicketCompletion, TicketRequest
from tests.connectors.test_salesforce_simple_salesforce import oauth_client

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def call(key="acme:c1:a1", **kw):
    values = dict(
        key=key,
        direction="in",
        phone="+420773794804",
        started_at=T0,
        ended_at=T0 + timedelta(seconds=95),
        duration_seconds=95,
        subject="Inbound call +420773794804",
    )
    values.update(kw)
    return CallLog(**values)


def a_contact(sf_sim):
    return next(iter(sf_sim.contacts.values()))


def patches(sf_sim):
    return [p for m, p in sf_sim.requests if m == "PATCH"]


def test_wrapup_fields_and_a_late_update_change_the_one_task(sf, sf_sim):
    [first] = sf.log_calls([call()])
    assert first.ok and first.action == "created"
    task = sf_sim.tasks["acme:c1:a1"]
    assert task["CallDisposition"] == "Answered" and "Notes" not in task["Description"]

    late = call(
        notes="Wants a refund",
        disposition="Complaint",
        tags=["vip", "refund"],
        recording_url="https://rec.example.com/1.mp3",
        crm_record_id=first.crm_id,
    )
    before = len(sf_sim.requests)
    [second] = sf.log_calls([late])
    assert second.ok and second.action == "updated" and second.crm_id == first.crm_id
    assert len(sf_sim.tasks) == 1 and len(sf_sim.activities) == 1
    task = sf_sim.tasks["acme:c1:a1"]
    assert task["CallDisposition"] == "Complaint"
    assert "Notes: Wants a refund" in task["Description"]
    assert "Tags: vip, refund" in task["Description"]
    assert "Recording: https://rec.example.com/1.mp3" in task["Description"]
    assert task["TaskSubtype"] == "Call"
    # the stored id is known: TaskSubtype (create-only) is left out, one request for the update
    assert len(sf_sim.requests) - before == 1


def test_an_update_without_the_stored_id_still_updates_by_the_key(sf, sf_sim):
    sf.log_calls([call()])
    [again] = sf.log_calls([call(notes="later")])
    assert again.ok and again.action == "updated"
    assert len(sf_sim.activities) == 1
    assert "Notes: later" in sf_sim.tasks["acme:c1:a1"]["Description"]


def test_callback_is_an_open_task_due_on_due_at(sf, sf_sim):
    due = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
    [result] = sf.log_calls([call("acme:cb1", status="callback", duration_seconds=0, due_at=due)])
    assert result.ok
    task = sf_sim.tasks["acme:cb1"]
    assert task["Status"] == "Not Started" and task["ActivityDate"] == "2026-03-05"
    assert task["TaskSubtype"] == "Call" and task["CallDurationInSeconds"] is None
    [no_due] = sf.log_calls([call("acme:cb2", status="callback")])
    assert no_due.ok and sf_sim.tasks["acme:cb2"]["ActivityDate"] == "2026-03-02"
    assert sf_sim.tasks["acme:cb2"]["Status"] == "Not Started"


def test_email_chat_and_sms_are_tasks_and_a_resend_updates(sf, sf_sim):
    contact = a_contact(sf_sim)
    user = sf_sim.users[0]["Id"]
    items = [
        InteractionLog(
            key="acme:em-1",
            channel="email",
            direction="in",
            address="jane@example.com",
            started_at=T0,
            ended_at=T0 + timedelta(minutes=9),
            subject="Refund",
            body="Where is my money?",
            description="Queue: Support, agent j.doe",
            contact_crm_id=contact["Id"],
            owner_crm_id=user,
        ),
        InteractionLog(
            key="acme:ch-1",
            channel="chat",
            direction="in",
            address="+420773794804",
            started_at=T0,
            ended_at=None,
            subject="",
            body="Hello",
            tags=["web"],
        ),
        InteractionLog(
            key="acme:sms-1",
            channel="sms",
            direction="out",
            address="+420773794804",
            started_at=T0,
            ended_at=None,
            subject="",
            body="Your parcel ships today",
        ),
    ]
    results = sf.log_interactions(items)
    assert [r.action for r in results] == ["created"] * 3 and all(r.ok for r in results)
    email, chat, sms = (sf_sim.tasks[i.key] for i in items)
    assert email["TaskSubtype"] == "Email" and email["Subject"] == "Email: Refund"
    assert email["Status"] == "Completed" and email["ActivityDate"] == "2026-03-02"
    assert email["WhoId"] == contact["Id"] and email["OwnerId"] == user
    assert email["Description"].startswith("Where is my money?\nQueue: Support, agent j.doe")
    assert chat["TaskSubtype"] == "Task" and chat["Subject"] == "Chat from +420773794804"
    assert "Tags: web" in chat["Description"]
    assert sms["TaskSubtype"] == "Task" and sms["Subject"] == "SMS to +420773794804"

    items[0].body = "Where is my money? (edited)"
    items[0].disposition = "Resolved"
    [again] = sf.log_interactions([items[0]])
    assert again.ok and again.action == "updated" and again.crm_id == results[0].crm_id
    assert len(sf_sim.activities) == 3
    email = sf_sim.tasks["acme:em-1"]
    assert "(edited)" in email["Description"] and "Disposition: Resolved" in email["Description"]
    assert email["TaskSubtype"] == "Email"


def test_find_calls_links_a_call_task_logged_by_someone_else(sf, sf_sim):
    contact = sf_sim.add_record("Contact", LastName="Other CTI", Phone="+420 601 111 222")
    # the org's own CTI logged these Tasks at the end of their calls (CreatedDate = end)
    near = sf_sim.add_call_task(T0 + timedelta(seconds=80), duration=60, WhoId=contact["Id"])
    sf_sim.add_call_task(T0 + timedelta(hours=2), duration=60, WhoId=contact["Id"])  # too late
    by_number = sf_sim.add_call_task(
        T0 + timedelta(minutes=30, seconds=100), duration=90, Subject="Call 00420602333444"
    )
    sf_sim.add_call_task(T0 + timedelta(seconds=60), duration=30, Subject="Call +420 699 999 999")
    sf_sim.add_record("Task", Subject="Call +420602333444 to-do", TaskSubtype="Task")  # not a call
    ours = call("acme:mine:a1", phone="+420603000000", started_at=T0)
    [written] = sf.log_calls([ours])
    assert written.ok  # our own Task for this key: never a duplicate of itself
    calls = [
        call("acme:x1:a1", phone="+420601111222", started_at=T0 + timedelta(seconds=30)),
        call("acme:x2:a1", phone="+420602333444", started_at=T0 + timedelta(minutes=30)),
        call("acme:x3:a1", phone="+420604000000", started_at=T0),
        ours,
    ]
    before = len(sf_sim.requests)
    found = sf.find_calls(calls, margin_seconds=60)
    assert set(found) == {"acme:x1:a1", "acme:x2:a1"}
    assert found["acme:x1:a1"].crm_id == near["Id"]
    assert found["acme:x2:a1"].crm_id == by_number["Id"]
    assert found["acme:x1:a1"].url.endswith(f"/lightning/r/Task/{near['Id']}/view")
    assert len(sf_sim.requests) - before <= 2  # one Task query (one cluster) + Who phones
    assert sf.find_calls(calls, margin_seconds=5) == {}


def test_complete_ticket_appends_the_outcome_once_and_keeps_the_case_open(sf, sf_sim):
    ticket = TicketRequest(key="acme:t1", subject="Call from +420773794804", description="Opened")
    created = sf.create_ticket(ticket)
    done = TicketCompletion(
        key="acme:t1", crm_id=created.crm_id, outcome="answered", description="Duration 95 s"
    )
    result = sf.complete_ticket(done)
    assert result.ok and result.crm_id == created.crm_id
    case = sf_sim.cases["acme:t1"]
    expected = "Opened\n\n--- Call outcome ---\nOutcome: answered\nDuration 95 s"
    assert case["Description"] == expected and case["Status"] == "New"
    writes = len(patches(sf_sim))
    assert sf.complete_ticket(done).ok
    assert sf_sim.cases["acme:t1"]["Description"] == expected
    assert len(patches(sf_sim)) == writes  # the same text: nothing written
    sf.complete_ticket(TicketCompletion(key="acme:t1", crm_id=created.crm_id, outcome="missed"))
    assert sf_sim.cases["acme:t1"]["Description"] == (
        "Opened\n\n--- Call outcome ---\nOutcome: missed"
    )


def test_provider_declares_the_new_capabilities():
    sf = provider("salesforce")
    assert sf.interaction_channels == ("email", "chat", "sms")
    for name in ("interactions", "call_updates", "find_calls", "ticket_completion"):
        assert sf.can(name)


def test_simple_salesforce_against_the_new_endpoints(sf_sim):
    """The vendor client: Task upsert by external id (201 created, 200 updated: simple-salesforce
    returns the status), SOQL over call Tasks in a CreatedDate window, Case PATCH by id."""
    client = oauth_client(sf_sim)
    record = {"Subject": "Chat from +420773794804", "TaskSubtype": "Task", "Status": "Completed"}
    assert client.Task.upsert("CC_Call_Key__c/acme:ch-9", record) == 201
    assert client.Task.upsert("CC_Call_Key__c/acme:ch-9", {"Subject": "edited"}) == 200
    assert sf_sim.tasks["acme:ch-9"]["Subject"] == "edited" and len(sf_sim.activities) == 1
    sf_sim.add_call_task(T0, WhoId=a_contact(sf_sim)["Id"])
    rows = client.query(
        "SELECT Id, CreatedDate, CallDurationInSeconds FROM Task WHERE TaskSubtype = 'Call' "
        "AND CreatedDate >= 2026-03-02T09:00:00Z AND CreatedDate <= 2026-03-02T10:00:00Z"
    )["records"]
    assert len(rows) == 1 and rows[0]["CallDurationInSeconds"] == 60
    case = client.Case.create({"Subject": "Call", "Description": "Opened"})
    assert client.Case.update(case["id"], {"Description": "Opened\n\nOutcome: answered"}) == 204
    assert client.Case.get(case["id"])["Description"] == "Opened\n\nOutcome: answered"
    with pytest.raises(SalesforceMalformedRequest):
        client.Case.update(case["id"], {"CaseNumber": "1"})  # read-only: 400 as Salesforce
