"""SugarCRM Contacts, Leads and Accounts over real HTTP (REST v11 simulator): import, ids, live
search by phone (filter API, several modules in one /bulk), record creation, calls and Cases
linked by record type."""

from datetime import UTC, datetime, timedelta

import pytest

from connectors.registry import provider
from connectors.types import CallLog, NewRecord, TicketRequest
from portal import http
from simulators.sugarcrm import SugarCRMSimulator
from tests.factories import make_connector

LEADS = {"Vesely", "Mala", "Virta"}  # the seeded unconverted leads ("Converted" is not)
ACCOUNTS = {"Acme Logistics", "Brno Steel", "Helsinki Design Oy", "Pacific Traders Inc"}


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
    connector = make_connector(
        tenant, kind="sugarcrm", settings=settings, credentials=credentials
    ).connector
    connector.authorize()
    return connector


def rows(pages):
    return [r for page in pages for r in page]


def by_name(found):
    return {c.last_name: c for c in found}


def lead_id(sim, last_name):
    return next(i for i, r in sim.records["Leads"].items() if r["last_name"] == last_name)


def test_provider_declares_the_three_types_and_creation():
    sugar = provider("sugarcrm")
    assert sugar.record_types == ("contact", "lead", "account")
    assert (sugar.crm_object("lead"), sugar.crm_object("account")) == ("Leads", "Accounts")
    assert sugar.creatable_types == ("contact", "lead")


def test_full_import_of_leads_and_accounts(sugar):
    leads = by_name(rows(sugar.iter_contacts(record_type="lead")))
    assert set(leads) == LEADS and {c.type for c in leads.values()} == {"lead"}
    karel = leads["Vesely"]
    assert (karel.first_name, karel.account, karel.phones, karel.email) == (
        "Karel",
        "Brno Bikes",
        ["+420 605 111 222"],
        "karel.vesely@example.org",
    )
    assert karel.url.endswith(f"/#Leads/{karel.crm_id}")
    accounts = by_name(rows(sugar.iter_contacts(record_type="account")))
    assert set(accounts) == ACCOUNTS and {c.type for c in accounts.values()} == {"account"}
    steel = accounts["Brno Steel"]
    assert (steel.first_name, steel.account, steel.phones, steel.email) == (
        "",
        "Brno Steel",
        ["(+420) 543-210-987", "608 444 555"],
        "office@brno-steel.example",
    )
    assert sugar.count_contacts(record_type="lead") == 3
    assert sugar.count_contacts(record_type="account") == 4
    assert {c.type for c in rows(sugar.iter_contacts())} == {"contact"}


def test_incremental_import_reports_new_leads_and_conversions(sugar, sim):
    since = datetime.now(UTC) - timedelta(seconds=5)
    new = sim.add_record("Leads", last_name="Newman", account_name="New Co")
    contact = sim.convert_lead(lead_id(sim, "Mala"))
    account = sim.add_record("Accounts", name="Late Corp", phone_office="+420 222 000 999")
    changed = rows(sugar.iter_contacts(modified_since=since, record_type="lead"))
    assert {(c.crm_id, c.deleted, c.type) for c in changed} == {
        (new["id"], False, "lead"),
        (lead_id(sim, "Mala"), True, "lead"),
    }
    assert sugar.count_contacts(since, record_type="lead") == 1
    accounts = rows(sugar.iter_contacts(modified_since=since, record_type="account"))
    assert [(c.crm_id, c.last_name) for c in accounts] == [(account["id"], "Late Corp")]
    assert [c.crm_id for c in rows(sugar.iter_contacts(since))] == [contact["id"]]


def test_a_converted_lead_leaves_the_id_list(sugar, sim):
    ids = rows(sugar.iter_contact_ids(record_type="lead"))
    assert len(ids) == 3 and lead_id(sim, "Converted") not in ids
    sim.convert_lead(lead_id(sim, "Virta"))
    assert set(rows(sugar.iter_contact_ids(record_type="lead"))) == set(ids) - {
        lead_id(sim, "Virta")
    }
    assert len(rows(sugar.iter_contact_ids(record_type="account"))) == 4


@pytest.mark.parametrize(
    ("phone", "record_type", "last_name"),
    [
        ("+420731222333", "lead", "Mala"),  # stored national "731 222 333" (mobile)
        ("+420605111222", "lead", "Vesely"),
        ("+358509871234", "lead", "Virta"),  # a Finnish national number, "050 987 1234"
        ("+420608444555", "account", "Brno Steel"),  # the alternate phone
        ("+12125550147", "account", "Pacific Traders Inc"),  # "(212) 555-0147"
        ("+420773794804", "contact", "Novakova"),
    ],
)
def test_find_by_phone_finds_every_type(sugar, sim, phone, record_type, last_name):
    found = sugar.find_contacts_by_phone(phone, ("contact", "lead", "account"))
    assert [(c.type, c.last_name) for c in found] == [(record_type, last_name)]
    posts = [p for m, p in sim.requests if m == "POST" and not p.endswith("/oauth2/token")]
    assert posts == ["/rest/v11/bulk"]  # the three modules in one round trip


def test_find_by_phone_only_the_types_asked_and_live_leads(sugar, sim):
    assert sugar.find_contacts_by_phone("+420731222333") == []  # contacts only (the default)
    assert sugar.find_contacts_by_phone("+420605999000", ("lead",)) == []  # converted
    late = sim.add_record("Leads", last_name="Late", phone_other="00420 604 555 666")
    found = sugar.find_contacts_by_phone("+420 604 555 666", ("lead",))
    assert [(c.crm_id, c.type) for c in found] == [(late["id"], "lead")]
    assert sim.requests[-1][1] == "/rest/v11/Leads/filter"  # one type: a plain filter request


def test_the_lead_filter_excludes_converted_and_ors_the_phone_fields(sugar, sim):
    seen = []
    original = sim._filter

    def spy(module, body):
        seen.append((module, body))
        return original(module, body)

    sim._filter = spy
    try:
        sugar.find_contacts_by_phone("+420731222333", ("lead", "account"))
    finally:
        del sim._filter
    (leads, lead_body), (accounts, account_body) = seen
    assert (leads, accounts) == ("Leads", "Accounts")
    assert lead_body["filter"][0] == {"converted": {"$equals": 0}}
    fields = {f for cond in lead_body["filter"][1]["$or"] for f in cond}
    assert fields == {"phone_work", "phone_mobile", "phone_home", "phone_other"}
    fields = {f for cond in account_body["filter"][0]["$or"] for f in cond}
    assert fields == {"phone_office", "phone_alternate"}


def test_create_contact_and_lead(sugar, sim):
    owner = next(iter(sim.records["Users"]))
    contact = sugar.create_record(
        NewRecord(
            key="acme-1-+420601000111",
            type="contact",
            phone="+420601000111",  # a Czech mobile
            last_name="Unknown caller +420601000111",
            email="who@example.com",
            owner_crm_id=owner,
            description="Created for an unknown caller",
        )
    )
    stored = sim.records["Contacts"][contact.crm_id]
    assert (stored["last_name"], stored["phone_mobile"], stored["assigned_user_id"]) == (
        "Unknown caller +420601000111",
        "+420601000111",
        owner,
    )
    assert stored["email"] == [{"email_address": "who@example.com", "primary_address": True}]
    assert stored["description"] == "Created for an unknown caller"
    assert (contact.type, contact.phones, contact.email) == (
        "contact",
        ["+420601000111"],
        "who@example.com",
    )
    before = set(sim.records["Leads"])
    lead = sugar.create_record(
        NewRecord(key="k", type="lead", phone="+420226000111", last_name="Caller", company="Co")
    )
    assert set(sim.records["Leads"]) - before == {lead.crm_id}
    stored = sim.records["Leads"][lead.crm_id]
    assert (stored["phone_work"], stored["account_name"], stored["converted"]) == (
        "+420226000111",  # a landline
        "Co",
        False,
    )
    assert (lead.type, lead.account) == ("lead", "Co")
    assert [c.crm_id for c in sugar.find_contacts_by_phone("+420226000111", ("lead",))] == [
        lead.crm_id
    ]
    with pytest.raises(ValueError, match="account"):
        sugar.create_record(NewRecord(key="k", type="account", phone="+1", last_name="X"))


def call(key: str, crm_id: str, kind: str) -> CallLog:
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    return CallLog(
        key=key,
        direction="in",
        phone="+420731222333",
        started_at=start,
        ended_at=start + timedelta(seconds=40),
        duration_seconds=40,
        subject="Inbound call",
        contact_crm_id=crm_id,
        contact_type=kind,
    )


def test_calls_name_their_parent_module(sugar, sim):
    lead = lead_id(sim, "Mala")
    account = next(iter(sim.records["Accounts"]))
    contact = next(iter(sim.records["Contacts"]))
    results = sugar.log_calls(
        [call("c1", lead, "lead"), call("c2", account, "account"), call("c3", contact, "contact")]
    )
    stored = {r.key: sim.records["Calls"][r.crm_id] for r in results}
    assert {k: (c["parent_type"], c["parent_id"]) for k, c in stored.items()} == {
        "c1": ("Leads", lead),
        "c2": ("Accounts", account),
        "c3": ("Contacts", contact),
    }


def test_cases_link_accounts_and_contacts_and_name_leads(sugar, sim):
    lead = lead_id(sim, "Mala")
    account = next(iter(sim.records["Accounts"]))
    contact = next(iter(sim.records["Contacts"]))
    made = {}
    for key, crm_id, kind in (
        ("t1", lead, "lead"),
        ("t2", account, "account"),
        ("t3", contact, "contact"),
    ):
        ticket = TicketRequest(
            key=key,
            subject="Missed",
            description="Call back",
            contact_crm_id=crm_id,
            contact_type=kind,
        )
        made[key] = sim.records["Cases"][sugar.create_ticket(ticket).crm_id]
    assert made["t1"]["description"] == f"Call back\nLead: {lead}"
    assert "account_id" not in made["t1"] and "primary_contact_id" not in made["t1"]
    assert made["t2"]["account_id"] == account and "primary_contact_id" not in made["t2"]
    assert made["t3"]["primary_contact_id"] == contact and "account_id" not in made["t3"]
