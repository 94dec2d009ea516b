"""SalesforceConnector against the simulator over real HTTP: every method."""

from datetime import UTC, datetime, timedelta

from connectors.models import ConnectorStatus
from connectors.types import CallLog, TicketRequest


def call(key, **kw):
    start = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
    base = dict(
        key=key,
        direction="in",
        phone="+420773794804",
        started_at=start,
        ended_at=start + timedelta(seconds=65),
        duration_seconds=65,
        subject="Inbound call +420773794804",
    )
    return CallLog(**{**base, **kw})


def test_authorize_runs_password_flow_and_test_call(sf, sf_sim):
    info = sf.authorize()
    sf.account.refresh_from_db()
    assert sf.account.status == ConnectorStatus.AUTHORIZED
    assert info["user"] == sf_sim.USERNAME and info["org"].startswith("00D")
    assert sf_sim.token_grants == ["password"]
    assert sf.account.token["instance_url"] == sf_sim.url
    usage = sf.account.state["api_usage"]
    assert usage["limit"] == sf_sim.api_limit and usage["used"] >= 1


def test_describe_fields(sf):
    fields = {f.name: f for f in sf.describe_fields("Contact")}
    assert fields["MobilePhone"].type == "phone" and fields["MobilePhone"].label == "Mobile Phone"
    assert fields["Customer_Tier__c"].createable and not fields["Id"].createable


def test_iter_contacts_pages_follow_next_records_url(sf, sf_sim):
    sf_sim.page_size = 20
    pages = list(sf.iter_contacts(fields=["Title", "Customer_Tier__c"]))
    assert [len(p) for p in pages] == [20, 20, 10]
    contacts = [c for p in pages for c in p]
    assert len({c.crm_id for c in contacts}) == 50
    first = next(c for c in contacts if c.phones and c.phones[0] == "+420 773 794 804")
    assert first.first_name and first.last_name and first.email
    assert first.url == f"{sf_sim.url}/lightning/r/Contact/{first.crm_id}/view"
    assert "Title" in first.fields and "Customer_Tier__c" in first.fields
    assert any(c.account for c in contacts) and all(c.owner_crm_id for c in contacts)
    assert sum(1 for _m, path in sf_sim.requests if "/query/" in path) == 3


def test_iter_contacts_modified_since_reports_changes_and_deletes(sf, sf_sim):
    since = datetime.now(UTC) - timedelta(seconds=5)
    ids = sorted(sf_sim.contacts)
    sf_sim.update_contact(ids[3], Email="new@example.com")
    sf_sim.delete_contact(ids[4])
    contacts = [c for p in sf.iter_contacts(modified_since=since) for c in p]
    assert [(c.crm_id, c.deleted) for c in contacts] == [(ids[3], False), (ids[4], True)]
    assert contacts[0].email == "new@example.com"


def test_iter_contact_ids_pages_live_ids(sf, sf_sim):
    sf_sim.page_size = 30
    sf_sim.delete_contact(sorted(sf_sim.contacts)[0])
    pages = list(sf.iter_contact_ids())
    assert [len(p) for p in pages] == [30, 19]


def test_generated_contacts_are_served_lazily(sf, sf_sim):
    sf_sim.generate_contacts(5000)
    pages = list(sf.iter_contact_ids())
    assert [len(p) for p in pages] == [2000, 2000, 1050]
    assert len({i for p in pages for i in p}) == 5050


def test_find_contacts_by_phone_matches_any_stored_format(sf, sf_sim):
    found = sf.find_contacts_by_phone("+420773794804")
    # contact 1 stores "+420 773 794 804", contact 2 "773794804", contact 16 "773 794 804"
    assert sorted(c.crm_id[-5:] for c in found) == ["01AAA", "02AAA", "16AAA"]
    assert sf.find_contacts_by_phone("+442079460018")[0].phones == ["(020) 7946 0018"]
    sf_sim.generate_contacts(1000)
    assert [c.crm_id for c in sf.find_contacts_by_phone("+420 700 000 123")] == [
        "003Gn0000000123AAA"
    ]
    assert sf.find_contacts_by_phone("+420 999 999 999") == []
    assert sf.find_contacts_by_phone("12") == []


def test_list_users_and_queues(sf, sf_sim):
    users = sf.list_users()
    assert len(users) == 10 and all(u.email and u.active for u in users)
    assert "old.agent@acme-sim.example.com" not in {u.email for u in users}
    queues = sf.list_queues()
    assert [q.name for q in queues] == ["Billing", "Sales", "Support"]


def test_log_calls_creates_call_tasks(sf, sf_sim):
    contact = sorted(sf_sim.contacts)[0]
    owner = sf_sim.users[1]["Id"]
    results = sf.log_calls(
        [
            call("t:1:a", contact_crm_id=contact, owner_crm_id=owner, queue="Support"),
            call("t:2:a", direction="out", status="missed", subject="Outbound call"),
        ]
    )
    assert all(r.ok for r in results)
    task = sf_sim.tasks["t:1:a"]
    assert task["Id"] == results[0].crm_id
    assert results[0].url == f"{sf_sim.url}/lightning/r/Task/{task['Id']}/view"
    assert (task["TaskSubtype"], task["CallType"], task["CallDurationInSeconds"]) == (
        "Call",
        "Inbound",
        65,
    )
    assert (task["CallObject"], task["WhoId"], task["OwnerId"], task["Status"]) == (
        "t:1:a",
        contact,
        owner,
        "Completed",
    )
    assert task["ActivityDate"] == "2025-06-02" and "Queue: Support" in task["Description"]
    # 23:30 UTC on 31 January is 1 February in the tenant's zone (Europe/Prague)
    late = call("t:3:a", started_at=datetime(2025, 1, 31, 23, 30, tzinfo=UTC))
    sf.log_calls([late])
    assert sf_sim.tasks["t:3:a"]["ActivityDate"] == "2025-02-01"
    missed = sf_sim.tasks["t:2:a"]
    assert missed["CallDisposition"] == "Missed" and "missed" in missed["Subject"].lower()
    assert missed["CallType"] == "Outbound"


def test_create_ticket_creates_one_case(sf, sf_sim):
    contact = sorted(sf_sim.contacts)[0]
    queue = sf_sim.queues[0]["Id"]
    ticket = TicketRequest(
        key="tk-1",
        subject="Missed call from +420773794804",
        description="Call back",
        contact_crm_id=contact,
        queue_crm_id=queue,
    )
    first = sf.create_ticket(ticket)
    again = sf.create_ticket(ticket)
    assert first.ok and again.crm_id == first.crm_id
    assert len(sf_sim.cases) == 1
    case = sf_sim.cases["tk-1"]
    assert (case["ContactId"], case["OwnerId"], case["Origin"]) == (contact, queue, "Phone")
    assert first.url.endswith(f"/lightning/r/Case/{first.crm_id}/view")


def test_record_url(sf, sf_sim):
    assert sf.record_url("Contact", "003X") == f"{sf_sim.url}/lightning/r/Contact/003X/view"


def test_rest_calls_and_links_use_the_instance_url_from_login(sf, sf_sim):
    # Log in at one host (like login.salesforce.com), work with the org's instance host.
    instance = sf_sim.url.replace("127.0.0.1", "localhost")
    sf_sim.instance_url = instance
    contacts = next(sf.iter_contacts())
    assert contacts[0].url.startswith(f"{instance}/lightning/r/Contact/")
    results = sf.log_calls([call("inst:1")])
    assert results[0].url.startswith(f"{instance}/lightning/r/Task/")
    assert sf.account.token["instance_url"] == instance


def test_count_contacts_gives_the_import_total(sf_sim, sf):
    from datetime import UTC, datetime

    assert sf.count_contacts() == len(sf_sim.contacts)
    assert sf.count_contacts(modified_since=datetime(2100, 1, 1, tzinfo=UTC)) == 0
