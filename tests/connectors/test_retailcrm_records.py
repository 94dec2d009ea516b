"""retailCRM record types over real HTTP: customers (contacts) and corporate customers
(accounts) imported in full and from their histories, listed for the reconcile, found by phone,
and customers created for unknown callers; the official `retailcrm` client reads the same."""

from datetime import UTC, datetime, timedelta

import pytest
import retailcrm

from connectors.errors import ConnectorError
from connectors.registry import provider
from connectors.types import CallLog, NewRecord, TicketRequest
from simulators.retailcrm import API_KEY
from tests.connectors import test_retailcrm as base

running_sim = base.running_sim  # fixture
sim = base.sim  # fixture
account = base.account  # fixture
retail = base.retail  # fixture

BOTH = ("contact", "account")


def read(retail, record_type, since=None):
    return [r for page in retail.iter_contacts(since, record_type=record_type) for r in page]


def minute_ago():
    return datetime.now(UTC) - timedelta(minutes=1)


def test_provider_declares_customers_and_corporate_customers():
    retail_crm = provider("retailcrm")
    assert retail_crm.record_types == ("contact", "account")  # no leads in retailCRM
    assert retail_crm.crm_object("account") == "customer_corporate"
    assert retail_crm.creatable_types == ("contact",)


def test_full_import_of_corporate_customers_is_typed_with_contact_persons_phones(retail, sim):
    accounts = read(retail, "account")
    assert [a.crm_id for a in accounts] == ["201", "202", "203", "204"]
    assert {a.type for a in accounts} == {"account"}
    novak = accounts[0]
    assert (novak.last_name, novak.account, novak.first_name) == ("Novak Trading s.r.o.",) * 2 + (
        "",
    )
    # Jana (main contact person) first, then Tomas's two numbers
    assert novak.phones == ["+420 773 794 804", "00420737000111", "+420 222 333 444"]
    assert novak.email == "jana.novakova@example.com" and novak.owner_crm_id == "8"
    assert novak.url == f"{sim.url}/customers-corporate/201"
    assert accounts[3].phones == [] and accounts[3].email == ""  # no contact person
    corporate_reads = [p for _m, p in sim.requests if p.startswith("/api/v5/customers-corporate")]
    people_reads = [p for _m, p in sim.requests if "filter%5Bids%5D" in p]
    assert len(corporate_reads) == 1 and len(people_reads) == 1  # one page: two requests
    contacts = read(retail, "contact")
    assert {c.type for c in contacts} == {"contact"} and len(contacts) == 12
    assert retail.count_contacts(record_type="account") == 4
    assert retail.count_contacts(record_type="contact") == 12


def test_incremental_import_reads_new_and_deleted_corporate_customers(retail, sim):
    since = minute_ago()
    assert read(retail, "account", since) == []
    late = sim.add_corporate("Late Corp s.r.o.", [105])  # Lucie
    sim.delete_corporate(202)
    deleted, [new] = retail.iter_contacts(since, record_type="account")
    assert [(d.crm_id, d.deleted, d.type) for d in deleted] == [("202", True, "account")]
    assert (new.crm_id, new.last_name, new.type) == (str(late["id"]), "Late Corp s.r.o.", "account")
    assert new.phones == ["+420737222333"] and new.modified_at >= since
    assert retail.count_contacts(since, record_type="account") is None
    assert read(retail, "contact", since) == []  # the corporate history is its own


def test_a_customer_created_after_the_last_import_is_read_typed(retail, sim):
    since = minute_ago()
    sim.add_customer(firstName="Nova", lastName="Late", phones=[{"number": "+420 777 888 999"}])
    [new] = read(retail, "contact", since)
    assert (new.last_name, new.type, new.phones) == ("Late", "contact", ["+420 777 888 999"])


def test_ids_per_type_for_the_reconcile(retail, sim):
    sim.delete_corporate(204)
    ids = [i for page in retail.iter_contact_ids(record_type="account") for i in page]
    assert ids == ["201", "202", "203"]
    contact_ids = [i for page in retail.iter_contact_ids(record_type="contact") for i in page]
    assert contact_ids == [str(i) for i in range(101, 113)]
    with pytest.raises(ValueError):
        list(retail.iter_contact_ids(record_type="lead"))


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("+420 737 000 111", [("contact", "Cerny"), ("account", "Novak Trading s.r.o.")]),
        ("+79991234567", [("contact", "Ivanova"), ("account", "Volga Logistics")]),
        ("+420603123456", [("contact", "Svoboda")]),  # a customer of no company
    ],
)
def test_find_by_phone_finds_customers_and_their_companies_in_another_format(
    retail, sim, phone, expected
):
    before = len(sim.requests)
    found = retail.find_contacts_by_phone(phone, record_types=BOTH)
    assert [(r.type, r.last_name) for r in found] == expected
    by_name, by_contact_person, *others = (p for _m, p in sim.requests[before:])
    assert by_name.startswith("/api/v5/customers?") and "filter%5Bname%5D=" in by_name
    assert by_contact_person.startswith("/api/v5/customers-corporate?")
    assert "filter%5BcontactIds%5D%5B%5D=" in by_contact_person
    # the company's other contact persons (their numbers are the account's too), if any
    assert len(others) == (1 if len(expected) == 2 else 0)


def test_find_by_phone_asks_only_what_it_needs(retail, sim):
    before = len(sim.requests)
    assert retail.find_contacts_by_phone("+420999888777", record_types=BOTH) == []
    assert len(sim.requests) == before + 1  # no customer: no corporate search
    [novak] = retail.find_contacts_by_phone("00420 222 333 444", record_types=("account",))
    assert novak.crm_id == "201" and novak.type == "account"
    assert retail.find_contacts_by_phone("+420773794804", record_types=("lead",)) == []
    [jana] = retail.find_contacts_by_phone("+420773794804")  # contacts only by default
    assert jana.type == "contact" and jana.last_name == "Novakova"


def test_a_corporate_customer_added_later_is_found_live(retail, sim):
    late = sim.add_corporate("Live Corp", [110])  # Anna Schmidt, +49 30 1234567
    found = retail.find_contacts_by_phone("+49301234567", record_types=("account",))
    assert [(r.crm_id, r.type) for r in found] == [(str(late["id"]), "account")]


def new_record(**kw) -> NewRecord:
    values = dict(
        key="acme-7-+420777123456",
        type="contact",
        phone="+420777123456",
        last_name="Unknown caller +420777123456",
        owner_crm_id="8",
    )
    return NewRecord(**{**values, **kw})


def test_create_record_creates_one_customer_and_a_retry_finds_it(retail, sim):
    created = retail.create_record(new_record(email="who@example.com"))
    assert sim.created_customers == [int(created.crm_id)]
    row = sim.customers[int(created.crm_id)]
    assert row["externalId"] == "acme-7-+420777123456" and row["managerId"] == 8
    assert row["phones"] == [{"number": "+420777123456"}] and row["site"] == "main"
    assert (created.type, created.last_name, created.email, created.phones) == (
        "contact",
        "Unknown caller +420777123456",
        "who@example.com",
        ["+420777123456"],
    )
    assert created.url == f"{sim.url}/customers/{created.crm_id}"
    again = retail.create_record(new_record())  # a retry after a lost reply
    assert again.crm_id == created.crm_id and sim.created_customers == [int(created.crm_id)]
    [found] = retail.find_contacts_by_phone("777 123 456")
    assert found.crm_id == created.crm_id


def test_create_record_sends_the_site_when_the_key_reaches_several(retail, sim, account):
    sim.sites = ["main", "outlet"]
    with pytest.raises(ConnectorError) as caught:
        retail.create_record(new_record())
    assert caught.value.permanent and "site" in str(caught.value)
    account.settings = {**account.settings, "site": "outlet"}
    account.save()
    created = account.connector.create_record(new_record())
    assert sim.customers[int(created.crm_id)]["site"] == "outlet"
    assert len(sim.created_customers) == 1


def test_create_record_refuses_leads_and_accounts(retail, sim):
    before = len(sim.requests)
    for record_type in ("lead", "account"):
        with pytest.raises(ConnectorError) as caught:
            retail.create_record(new_record(type=record_type))
        assert caught.value.permanent
    assert len(sim.requests) == before and sim.created_customers == []


def test_tickets_and_calls_of_a_corporate_customer(retail, sim):
    result = retail.create_ticket(
        TicketRequest(
            key="acme:t-corp",
            subject="Order problem",
            description="",
            contact_crm_id="201",
            contact_type="account",
            owner_crm_id="8",
        )
    )
    assert result.ok and sim.tasks[int(result.crm_id)]["customer"] == {"id": 201}
    [logged] = retail.log_calls(
        [
            CallLog(
                key="acme:c-corp",
                direction="in",
                phone="+420773794804",
                started_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
                ended_at=datetime(2026, 11, 20, 9, 1, tzinfo=UTC),
                duration_seconds=60,
                subject="",
                contact_crm_id="201",
                contact_type="account",
            )
        ]
    )
    assert logged.ok and logged.url == f"{sim.url}/customers-corporate/201"


def test_the_official_client_reads_and_creates_the_same(sim):
    client = retailcrm.v5(sim.url, API_KEY)
    listed = client.customers_corporate({"contactIds": [108]}).get_response()
    assert [c["nickName"] for c in listed["customersCorporate"]] == ["Volga Logistics"]
    assert listed["pagination"]["totalCount"] == 1
    history = client.customers_corporate_history({"startDate": "2026-10-02 00:00:00"})
    assert [h["customer"]["id"] for h in history.get_response()["history"]] == [202, 203, 204]
    created = client.customer_create(
        {"externalId": "lib-1", "lastName": "Library", "phones": [{"number": "+420 600 1"}]},
        site="main",
    )
    assert created.get_status_code() == 201 and created.is_successful()
    cid = created.get_response()["id"]
    read_back = client.customer(cid, uid_type="id").get_response()["customer"]
    assert read_back["lastName"] == "Library" and read_back["externalId"] == "lib-1"
    assert client.customer("lib-1").get_response()["customer"]["id"] == cid
    duplicate = client.customer_create({"externalId": "lib-1", "lastName": "Again"})
    assert duplicate.get_status_code() == 400 and "externalId" in duplicate.get_errors()
    assert client.customer("nope").get_status_code() == 404
