"""Triggers on ringing / answered (API.md Triggers `fire_on`): the ticket is opened while the
agent is on the call and completed with the call's outcome when it ends, exactly once; events
ingested through the API, over the real pipeline (fold, decide, outbox) to a fake CRM."""

import pytest

from automations import tickets
from automations.models import Trigger
from calls.models import Call
from delivery.models import SyncRecord
from tests.automations.fakes_tickets import ticket_connector
from tests.calls.conftest import call_events

RINGING, ANSWERED, ENDED = 0, 1, 2


@pytest.fixture
def crm(ticket_crm, tenant):
    ticket_crm.account = ticket_connector(tenant)
    return ticket_crm


def trigger(crm, fire_on, **fields):
    return Trigger.objects.create(
        tenant=crm.account.tenant,
        connector=crm.account,
        name=f"On {fire_on}",
        fire_on=fire_on,
        subject_template="Call from {caller}",
        **fields,
    )


def post(api, run, *events):
    response = run(api.post, "/api/v1/call-events/", list(events), format="json")
    assert response.status_code == 202, response.json()


def rows(kind):
    return list(SyncRecord.objects.unscoped().filter(kind=kind))


@pytest.mark.parametrize("fire_on", ["ringing", "answered"])
def test_ticket_open_during_the_call_then_completed_once(api, crm, run_on_commit, fire_on):
    trigger(crm, fire_on, queues=["Support"], directions=["in"])
    events = call_events("R1", duration=80)
    post(api, run_on_commit, events[RINGING])
    if fire_on == "answered":  # not answered yet: nothing is opened
        assert crm.tickets == {} and rows("ticket") == []
        post(api, run_on_commit, events[ANSWERED])
    (ticket,) = rows("ticket")
    assert ticket.state == "synced" and ticket.crm_record_url.startswith("https://fake.crm/")
    (opened,) = crm.tickets.values()
    assert opened["request"].subject == "Call from +420773794804"
    assert opened["completions"] == []  # the call is still going on
    assert not Call.objects.unscoped().get(call_id="R1").ended
    if fire_on == "ringing":
        post(api, run_on_commit, events[ANSWERED])

    post(api, run_on_commit, events[ENDED])
    assert len(crm.tickets) == 1  # the same ticket, not a second one at the end
    (completion,) = opened["completions"]
    assert completion.crm_id == opened["id"] and completion.key == ticket.key
    assert completion.outcome == "answered" and "Duration: 80 s" in completion.description
    (row,) = rows(tickets.TICKET_COMPLETION)
    assert row.state == "synced" and row.crm_record_id == opened["id"]

    # the events again, a manual retry, the sweeper: still one ticket, completed once
    post(api, run_on_commit, *events)
    call = Call.objects.unscoped().get(call_id="R1")
    run_on_commit(api.post, f"/api/v1/calls/{call.pk}/retry/")
    run_on_commit(tickets.release_completions)
    assert len(crm.tickets) == 1 and len(opened["completions"]) == 1
    sync = api.get(f"/api/v1/calls/{call.pk}/").json()["sync"]
    assert sorted(s.get("kind") for s in sync if s.get("kind") != "call_log") == [
        "ticket",
        "ticket_complete",
    ]


def test_answered_trigger_opens_nothing_for_a_missed_call(api, crm, run_on_commit):
    trigger(crm, "answered")
    events = call_events("M1")
    post(api, run_on_commit, events[RINGING])
    post(
        api,
        run_on_commit,
        {**events[ENDED], "type": "missed", "status": "missed", "duration_seconds": 0},
    )
    assert crm.tickets == {} and rows("ticket") == [] and rows(tickets.TICKET_COMPLETION) == []


def test_other_queue_opens_nothing(api, crm, run_on_commit):
    trigger(crm, "ringing", queues=["Sales"])
    post(api, run_on_commit, *call_events("Q1"))
    assert crm.tickets == {} and rows("ticket") == []


def test_ended_trigger_unchanged(api, crm, run_on_commit):
    trigger(crm, "ended", statuses=["answered"])
    events = call_events("E1")
    post(api, run_on_commit, events[RINGING])
    post(api, run_on_commit, events[ANSWERED])
    assert crm.tickets == {}  # nothing during the call
    post(api, run_on_commit, events[ENDED])
    (opened,) = crm.tickets.values()
    assert opened["completions"] == [] and rows(tickets.TICKET_COMPLETION) == []
    assert "Status: Answered" in opened["request"].description


def test_completion_waits_for_a_ticket_not_created_yet(api, crm, run_on_commit):
    from tests.calls.fakes import transient

    trigger(crm, "ringing")
    events = call_events("W1")
    crm.ticket_faults.append(transient())  # the CRM refuses the ticket at first
    post(api, run_on_commit, events[RINGING])
    (ticket,) = rows("ticket")
    assert ticket.state == "failed" and crm.tickets == {}
    post(api, run_on_commit, *events[1:])
    (waiting,) = rows(tickets.TICKET_COMPLETION)
    assert waiting.state == "pending" and waiting.next_attempt_at is None  # never due alone
    run_on_commit(tickets.release_completions)  # the sweeper: the ticket is not synced yet
    assert SyncRecord.objects.unscoped().get(pk=waiting.pk).next_attempt_at is None

    SyncRecord.objects.unscoped().filter(pk=ticket.pk).update(next_attempt_at=ticket.created_at)
    from delivery import outbox

    run_on_commit(outbox.deliver_batch, crm.account, "ticket")  # the retry creates the ticket
    (opened,) = crm.tickets.values()
    (completion,) = opened["completions"]
    assert completion.outcome == "answered" and completion.crm_id == opened["id"]
    assert SyncRecord.objects.unscoped().get(pk=waiting.pk).state == "synced"


def test_sweeper_releases_a_completion_whose_ticket_synced_meanwhile(api, crm, run_on_commit):
    trigger(crm, "ringing")
    events = call_events("S1")
    post(api, run_on_commit, events[RINGING])
    # the ticket synced while the call was ending: its completion was queued as waiting
    (ticket,) = rows("ticket")
    SyncRecord.objects.unscoped().filter(pk=ticket.pk).update(state="pending")
    post(api, run_on_commit, *events[1:])
    (waiting,) = rows(tickets.TICKET_COMPLETION)
    assert waiting.next_attempt_at is None
    SyncRecord.objects.unscoped().filter(pk=ticket.pk).update(state="synced")
    assert run_on_commit(tickets.release_completions) == 1
    (opened,) = crm.tickets.values()
    assert len(opened["completions"]) == 1
    assert run_on_commit(tickets.release_completions) == 0


def test_crm_without_completion_skips_with_a_reason(api, tenant, ticket_crm, run_on_commit):
    account = ticket_connector(tenant, kind="faketix_open", name="Open only")
    Trigger.objects.create(tenant=tenant, connector=account, name="R", fire_on="ringing")
    events = call_events("N1")
    post(api, run_on_commit, events[RINGING])
    assert len(ticket_crm.tickets) == 1
    post(api, run_on_commit, *events[1:])
    (row,) = rows(tickets.TICKET_COMPLETION)
    assert row.state == "skipped" and row.reason == "not_supported"
    assert row.reason_detail["message"] == "Fake Open Tickets has no ticket completion."
    assert next(iter(ticket_crm.tickets.values()))["completions"] == []
    call = Call.objects.unscoped().get(call_id="N1")
    sync = api.get(f"/api/v1/calls/{call.pk}/").json()["sync"]
    (entry,) = [s for s in sync if s.get("kind") == "ticket_complete"]
    assert entry["state"] == "skipped" and entry["reason"] == "not_supported"


def test_all_events_at_once_open_and_complete(api, crm, run_on_commit):
    trigger(crm, "ringing")
    post(api, run_on_commit, *call_events("A1"))
    (opened,) = crm.tickets.values()
    assert len(opened["completions"]) == 1


def test_private_call_opens_no_ticket(api, crm, run_on_commit):
    trigger(crm, "ringing")
    post(api, run_on_commit, call_events("P1", privacy="private")[RINGING])
    assert crm.tickets == {}
