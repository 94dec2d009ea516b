"""Issue 14 on Dynamics 365, over HTTPS against the Dataverse simulator: wrap-up columns,
upserts of logged phone calls (alternate key, stored id + If-Match), emails and tasks,
start-margin duplicates among existing phone calls, callbacks, incident completion."""

from datetime import UTC, datetime, timedelta

from connectors.dynamics365.records import key_value
from connectors.registry import provider
from connectors.types import CallLog, InteractionLog, TicketCompletion, TicketRequest
from tests.connectors import test_dynamics_support as support

account = support.account  # fixture
dyn = support.dyn  # fixture
sim = support.sim  # fixture
_running_sim = support._running_sim  # fixture

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def ids(sim):
    users = [u for u, row in sim.tables["systemusers"].items() if row["internalemailaddress"]]
    contact = next(
        c for c, row in sim.tables["contacts"].items() if row["telephone1"] == "+420 773 794 804"
    )
    return users[0], contact


def call(key="acme:c1:a1", **kw):
    values = dict(
        key=key,
        direction="in",
        phone="+420773794804",
        started_at=T0,
        ended_at=T0 + timedelta(seconds=61),
        duration_seconds=61,
        subject="Call from +420773794804",
    )
    values.update(kw)
    return CallLog(**values)


def patches(sim):
    return [p for m, p in sim.requests if m == "PATCH"]


def test_wrapup_goes_to_category_and_description_and_updates_the_one_phonecall(dyn, sim):
    user, contact = ids(sim)
    [first] = dyn.log_calls([call(owner_crm_id=user, contact_crm_id=contact)])
    assert first.ok and first.action == "created"
    row = sim.phonecalls[key_value("acme:c1:a1")]
    assert "category" not in row and row["description"] == ""

    late = call(
        owner_crm_id=user,
        contact_crm_id=contact,
        notes="Wants a refund",
        disposition="Complaint",
        tags=["vip", "refund"],
        recording_url="https://rec.example.com/1.mp3",
    )
    [by_key] = dyn.log_calls([late])  # no stored id: upsert by the alternate key
    assert by_key.ok and by_key.action == "updated" and by_key.crm_id == first.crm_id
    assert len(sim.phonecalls) == 1
    row = sim.phonecalls[key_value("acme:c1:a1")]
    assert row["category"] == "Complaint"
    assert row["description"] == (
        "Notes: Wants a refund\nTags: vip, refund\nRecording: https://rec.example.com/1.mp3"
    )

    late.notes, late.crm_record_id = "Refund approved", first.crm_id
    [by_id] = dyn.log_calls([late])  # the stored id: PATCH phonecalls(<id>) + If-Match: *
    assert by_id.ok and by_id.action == "updated" and by_id.crm_id == first.crm_id
    assert len(sim.phonecalls) == 1
    assert "Notes: Refund approved" in sim.phonecalls[key_value("acme:c1:a1")]["description"]
    assert sim.batches == [1, 1, 1]


def test_a_stored_id_deleted_in_the_crm_is_written_again_by_the_key(dyn, sim):
    [first] = dyn.log_calls([call()])
    sim.tables["phonecalls"].pop(first.crm_id)  # a user deleted it in Dynamics 365
    [again] = dyn.log_calls([call(crm_record_id=first.crm_id, notes="late")])
    assert again.ok and again.action == "created" and again.crm_id != first.crm_id
    assert list(sim.phonecalls) == [key_value("acme:c1:a1")]
    assert sim.batches == [1, 1, 1]  # If-Match: * answered 404, then the upsert by key


def test_simulator_models_dataverse_conditional_upserts(dyn, sim):
    """Web API semantics: If-None-Match: * on an existing row 412; If-Match: * on a missing
    row 404; a plain PATCH upserts (201 created / 200 updated with return=representation)."""
    token = dyn.get_token()
    url = "phonecalls(cc_callkey='k-1')?$select=activityid"
    rep = {"Prefer": "return=representation"}

    def patch(headers, path=url):
        response = dyn.http_session.patch(
            dyn.client.url(path),
            json={"subject": "x"},
            headers={"Authorization": f"Bearer {token.access_token}", **rep, **headers},
            verify=dyn.http_session.verify,
        )
        return response.status_code

    assert patch({"If-Match": "*"}) == 404 and sim.phonecalls == {}
    assert patch({}) == 201
    assert patch({}) == 200
    assert patch({"If-None-Match": "*"}) == 412
    guid = sim.phonecalls["k-1"]["activityid"]
    assert patch({"If-Match": "*"}, f"phonecalls({guid})") == 200
    assert len(sim.phonecalls) == 1


def test_callback_is_scheduled_at_due_at(dyn, sim):
    due = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
    [result] = dyn.log_calls([call("acme:cb1", status="callback", due_at=due)])
    row = sim.phonecalls[key_value("acme:cb1")]
    assert result.ok and row["scheduledstart"] == "2026-03-05T14:00:00Z"
    assert "actualstart" not in row
    dyn.log_calls([call("acme:cb2", status="callback")])
    assert sim.phonecalls[key_value("acme:cb2")]["scheduledstart"] == "2026-03-02T09:30:00Z"


def test_email_is_an_email_activity_and_chat_sms_are_tasks(dyn, sim):
    user, contact = ids(sim)
    email = InteractionLog(
        key="acme:em-1",
        channel="email",
        direction="in",
        address="jane@example.com",
        started_at=T0,
        ended_at=T0 + timedelta(minutes=9),
        subject="Refund",
        body="Where is <my> money?",
        description="Queue: Support",
        owner_crm_id=user,
        contact_crm_id=contact,
    )
    unknown = InteractionLog(
        key="acme:em-2",
        channel="email",
        direction="out",
        address="nobody@example.com",
        started_at=T0,
        ended_at=None,
        subject="Offer",
        body="Hi",
    )
    chat = InteractionLog(
        key="acme:ch-1",
        channel="chat",
        direction="in",
        address="+420773794804",
        started_at=T0,
        ended_at=T0 + timedelta(minutes=3),
        subject="",
        body="Hello",
        disposition="Resolved",
        tags=["web"],
        contact_crm_id=contact,
    )
    sms = InteractionLog(
        key="acme:sms-1",
        channel="sms",
        direction="out",
        address="+420773794804",
        started_at=T0,
        ended_at=None,
        subject="",
        body="Parcel ships today",
    )
    results = dyn.log_interactions([email, chat, unknown, sms])
    assert all(r.ok for r in results), results
    assert [r.action for r in results] == ["created"] * 4
    row = sim.emails[key_value("acme:em-1")]
    assert results[0].crm_id == row["activityid"] and "etn=email" in results[0].url
    assert row["subject"] == "Refund" and row["directioncode"] is False
    assert row["description"] == "Where is &lt;my&gt; money?<br>\nQueue: Support"
    assert row["_regardingobjectid_value"] == contact and row["_ownerid_value"] == user
    parties = {p["participationtypemask"]: p for p in row["email_activity_parties"]}
    assert (
        parties[1]["_partyid_value"] == contact and parties[1]["addressused"] == "jane@example.com"
    )
    assert parties[2]["_partyid_value"] == user
    out = sim.emails[key_value("acme:em-2")]
    assert out["directioncode"] is True
    assert out["email_activity_parties"] == [
        {"participationtypemask": 2, "addressused": "nobody@example.com"}
    ]
    task = sim.tasks[key_value("acme:ch-1")]
    assert task["subject"] == "Chat from +420773794804" and task["subcategory"] == "Chat"
    assert task["category"] == "Resolved" and "Tags: web" in task["description"]
    assert task["_regardingobjectid_value"] == contact
    assert sim.tasks[key_value("acme:sms-1")]["subject"] == "SMS to +420773794804"
    assert sim.batches == [2, 2]  # one $batch for the emails, one for the tasks

    email.body = "Where is my money? (edited)"
    [again] = dyn.log_interactions([email])
    assert again.ok and again.action == "updated" and again.crm_id == results[0].crm_id
    assert len(sim.emails) == 2 and len(sim.tasks) == 2
    assert "(edited)" in sim.emails[key_value("acme:em-1")]["description"]


def test_find_calls_links_an_existing_phonecall_in_one_request(dyn, sim):
    near = sim.add_phonecall(
        phonenumber="+420601111222", actualstart="2026-03-02T09:30:40Z", subject="Their CTI"
    )
    planned = sim.add_phonecall(phonenumber="420602333444", scheduledstart="2026-03-02T10:00:20Z")
    sim.add_phonecall(phonenumber="+420601111222", actualstart="2026-03-02T11:00:00Z")  # later
    sim.add_phonecall(phonenumber="+420699999999", actualstart="2026-03-02T09:30:00Z")  # other
    ours = call("acme:mine:a1", phone="+420603000000")
    dyn.log_calls([ours])
    calls = [
        call("acme:x1:a1", phone="+420601111222", started_at=T0 + timedelta(seconds=30)),
        call("acme:x2:a1", phone="+420602333444", started_at=T0 + timedelta(minutes=30)),
        call("acme:x3:a1", phone="+420604000000"),
        ours,  # its own phonecall (same key) is not a duplicate
    ]
    before = len(sim.requests)
    found = dyn.find_calls(calls, margin_seconds=60)
    assert len(sim.requests) - before == 1
    assert set(found) == {"acme:x1:a1", "acme:x2:a1"}
    assert found["acme:x1:a1"].crm_id == near["activityid"]
    assert found["acme:x1:a1"].subject == "Their CTI"
    assert found["acme:x2:a1"].crm_id == planned["activityid"]
    assert found["acme:x1:a1"].url.endswith(f"etn=phonecall&id={near['activityid']}")
    assert dyn.find_calls(calls, margin_seconds=5) == {}


def test_complete_ticket_adds_the_outcome_once(dyn, sim):
    user, contact = ids(sim)
    ticket = TicketRequest(
        key="acme:t1",
        subject="Call from +420773794804",
        description="Opened at ringing",
        contact_crm_id=contact,
    )
    created = dyn.create_ticket(ticket)
    done = TicketCompletion(
        key="acme:t1", crm_id=created.crm_id, outcome="answered", description="Duration 95 s"
    )
    result = dyn.complete_ticket(done)
    assert result.ok and result.crm_id == created.crm_id and result.action == "updated"
    expected = "Opened at ringing\n\n--- Call outcome ---\nOutcome: answered\nDuration 95 s"
    assert sim.incidents[key_value("acme:t1")]["description"] == expected
    writes = len(patches(sim))
    assert dyn.complete_ticket(done).ok
    assert sim.incidents[key_value("acme:t1")]["description"] == expected
    assert len(patches(sim)) == writes
    assert len(sim.incidents) == 1


def test_provider_declares_the_new_capabilities():
    dyn = provider("dynamics365")
    assert dyn.interaction_channels == ("email", "chat", "sms")
    for name in ("interactions", "call_updates", "find_calls", "ticket_completion"):
        assert dyn.can(name)
