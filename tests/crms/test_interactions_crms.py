"""Issue 14: an e-mail and a chat logged on every CRM kind as API.md says, over real HTTP.

Salesforce: a Task (TaskSubtype Email for email, Task otherwise); Dynamics 365: an `email`
activity and a `task`; SugarCRM: Emails and Notes; retailCRM holds neither: both skipped with
`unsupported_channel`. A resend with changed content updates the same record.
"""

import pytest

from delivery.models import SyncRecord
from tests.crms.conftest import KINDS

pytestmark = pytest.mark.django_db

URL = "/api/v1/interactions/"


def item(iid, channel, address, **extra):
    return {
        "interaction_id": iid,
        "channel": channel,
        "direction": "in",
        "address": address,
        "queue": "Support",
        "agent_email": "j.doe@acme.com",
        "started_at": "2026-11-20T10:00:05+01:00",
        "ended_at": "2026-11-20T10:09:00+01:00",
        "subject": f"{channel} subject",
        "body": f"the {channel} body",
        **extra,
    }


def stored(sim, kind):
    """{channel: [records]} as the simulator holds them."""
    if kind == "salesforce":
        tasks = [t for t in sim.activities if t.get("TaskSubtype") in ("Email", "Task")]
        return {
            "email": [t for t in tasks if t["TaskSubtype"] == "Email"],
            "chat": [t for t in tasks if t["TaskSubtype"] == "Task"],
        }
    if kind == "dynamics365":
        return {"email": list(sim.emails.values()), "chat": list(sim.tasks.values())}
    if kind == "sugarcrm":
        return {
            "email": list(sim.records["Emails"].values()),
            "chat": list(sim.records["Notes"].values()),
        }
    return {"email": [], "chat": []}


def text_of(record) -> str:
    return " ".join(str(v) for v in record.values())


@pytest.mark.parametrize("crm", KINDS, indirect=True)
def test_email_and_chat_logged_on_each_crm(crm, api, tenant, run_on_commit, deliver):
    sim, account = crm
    body = [
        item("em-1", "email", "jane@example.com"),
        item("ch-1", "chat", "+420 773 794 804"),
    ]
    answer = run_on_commit(api.post, URL, body, format="json")
    assert answer.status_code == 202 and answer.json() == {"accepted": 2, "duplicates": 0}
    deliver()
    rows = {
        r.interaction.interaction_id: r
        for r in SyncRecord.objects.for_tenant(tenant).filter(interaction__isnull=False)
    }
    assert set(rows) == {"em-1", "ch-1"}
    if account.kind == "retailcrm":
        assert {(r.state, r.reason) for r in rows.values()} == {("skipped", "unsupported_channel")}
        detail = api.get(f"/api/v1/interactions/{rows['em-1'].interaction_id}/").json()
        assert detail["sync"][0]["reason"] == "unsupported_channel"
        return
    assert {r.state for r in rows.values()} == {"synced"}, [r.last_error for r in rows.values()]
    found = stored(sim, account.kind)
    assert [len(found["email"]), len(found["chat"])] == [1, 1]
    assert "email subject" in text_of(found["email"][0])
    assert "the chat body" in text_of(found["chat"][0])

    # a resend with changed content updates the chat's one record, no second one
    changed = item("ch-1", "chat", "+420 773 794 804", notes="Solved on chat", disposition="Done")
    answer = run_on_commit(api.post, URL, changed, format="json")
    assert answer.json() == {"accepted": 1, "duplicates": 0}
    deliver()
    found = stored(sim, account.kind)
    assert len(found["chat"]) == 1 and "Solved on chat" in text_of(found["chat"][0])
    row = SyncRecord.objects.for_tenant(tenant).get(interaction__interaction_id="ch-1")
    assert row.state == "synced" and row.crm_record_id == rows["ch-1"].crm_record_id


SMS_PHONE = "+420605777888"


def crm_only_contact(sim, kind) -> str:
    """A contact with SMS_PHONE that exists in the CRM only (not imported): its CRM id."""
    if kind == "salesforce":
        return sim.add_record("Contact", LastName="Live Only", Phone="+420 605 777 888")["Id"]
    if kind == "dynamics365":
        cid = "0000bbbb-0000-0000-0000-00000000abcd"
        sim.tables["contacts"][cid] = {
            "contactid": cid,
            "firstname": "Live",
            "lastname": "Only",
            "fullname": "Live Only",
            "telephone1": SMS_PHONE,
            "statecode": 0,
        }
        return cid
    return sim.add_record("Contacts", last_name="Live Only", phone_mobile=SMS_PHONE)["id"]


@pytest.mark.parametrize("crm", ["salesforce", "dynamics365", "sugarcrm"], indirect=True)
def test_an_sms_from_a_number_only_the_crm_knows_is_linked_by_the_live_lookup(
    crm, api, tenant, run_on_commit, deliver
):
    sim, account = crm
    contact_id = crm_only_contact(sim, account.kind)
    answer = run_on_commit(api.post, URL, item("sms-1", "sms", SMS_PHONE), format="json")
    assert answer.status_code == 202
    deliver()
    row = SyncRecord.objects.for_tenant(tenant).get(interaction__interaction_id="sms-1")
    assert row.state == "synced", row.last_error
    assert row.match["crm_id"].lower() == contact_id.lower() and row.match["resolved"]
    assert row.payload["contact_crm_id"].lower() == contact_id.lower()
    found = stored(sim, account.kind)["chat"]
    assert len(found) == 1 and contact_id.lower() in text_of(found[0]).lower()
