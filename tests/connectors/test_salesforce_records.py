"""Salesforce Contacts, Leads and Accounts (Person Accounts too) over real HTTP: import, ids,
live search by phone (SOSL), record creation, and calls / Cases linked by record type."""

from datetime import UTC, datetime, timedelta

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from connectors.errors import ConnectorError
from connectors.registry import provider
from connectors.salesforce.connector import SalesforceConnector
from connectors.types import CallLog, NewRecord, TicketRequest
from simulators.salesforce import SalesforceSimulator
from tests.connectors.test_salesforce_simple_salesforce import oauth_client
from tests.factories import make_connector

LEADS = {"Veselý", "Malá", "Virta", "Baker"}  # the seeded unconverted leads ("Converted" is not)
PERSONS = {"Krásná", "Walsh", "Laine"}


def rows(pages):
    return [r for page in pages for r in page]


def by_last_name(found):
    return {c.last_name: c for c in found}


def test_provider_declares_the_three_types_and_creation():
    sf = provider("salesforce")
    assert sf.record_types == ("contact", "lead", "account")
    assert sf.crm_object("lead") == "Lead" and sf.crm_object("account") == "Account"
    assert sf.creatable_types == ("contact", "lead")


def test_full_import_of_leads_skips_converted_ones(sf):
    leads = rows(sf.iter_contacts(record_type="lead"))
    assert {c.last_name for c in leads} == LEADS
    assert {c.type for c in leads} == {"lead"} and not any(c.deleted for c in leads)
    karel = by_last_name(leads)["Veselý"]
    assert (karel.first_name, karel.account, karel.phones) == (
        "Karel",
        "Brno Bikes s.r.o.",
        ["+420 605 111 222"],
    )
    assert karel.crm_id.startswith("00Q") and karel.url.endswith(f"/Lead/{karel.crm_id}/view")
    assert sf.count_contacts(record_type="lead") == 4


def test_full_import_of_accounts_reads_business_and_person_accounts(sf):
    accounts = by_last_name(rows(sf.iter_contacts(record_type="account")))
    assert len(accounts) == 13 and set(accounts) >= PERSONS
    assert {c.type for c in accounts.values()} == {"account"}
    vera = accounts["Krásná"]
    assert (vera.first_name, vera.email, vera.phones, vera.account) == (
        "Věra",
        "vera.krasna@example.com",
        ["608 444 555"],
        "",
    )
    acme = accounts["Acme s.r.o."]  # a business account: its Name is the caller's name
    assert (acme.first_name, acme.account, acme.phones) == ("", "Acme s.r.o.", ["+420 296 330 111"])
    assert sf.count_contacts(record_type="account") == 13


def test_incremental_import_reports_new_changed_deleted_and_converted_leads(sf, sf_sim):
    since = datetime.now(UTC) - timedelta(seconds=5)
    ids = {r["LastName"]: r["Id"] for r in sf_sim.leads.values()}
    new = sf_sim.add_record("Lead", LastName="Newman", Company="New Co", Phone="777 000 111")
    sf_sim.update_record("Lead", ids["Baker"], Email="tom@baker.example")
    sf_sim.delete_record("Lead", ids["Virta"])
    contact = sf_sim.convert_lead(ids["Veselý"])
    changed = rows(sf.iter_contacts(modified_since=since, record_type="lead"))
    live = {c.crm_id: c for c in changed if not c.deleted}
    assert set(live) == {new["Id"], ids["Baker"]}
    assert live[ids["Baker"]].email == "tom@baker.example" and live[new["Id"]].type == "lead"
    assert {c.crm_id for c in changed if c.deleted} == {ids["Virta"], ids["Veselý"]}
    assert {c.type for c in changed} == {"lead"}
    assert sf.count_contacts(since, record_type="lead") == 2
    # the conversion made a Contact, which the contact import picks up
    assert [c.crm_id for c in rows(sf.iter_contacts(since))] == [contact["Id"]]


def test_incremental_import_of_accounts(sf, sf_sim):
    since = datetime.now(UTC) - timedelta(seconds=5)
    person = sf_sim.add_record("Account", FirstName="Petr", LastName="Nový")
    business = sf_sim.add_record("Account", Name="Late Corp", Phone="+420 222 000 999")
    gone = next(iter(sf_sim.accounts))
    sf_sim.delete_record("Account", gone)
    changed = rows(sf.iter_contacts(modified_since=since, record_type="account"))
    assert {(c.crm_id, c.last_name, c.deleted) for c in changed} == {
        (person["Id"], "Nový", False),
        (business["Id"], "Late Corp", False),
        (gone, "", True),
    }


def test_a_converted_lead_leaves_the_id_list(sf, sf_sim):
    ids = rows(sf.iter_contact_ids(record_type="lead"))
    assert len(ids) == 4 and all(i.startswith("00Q") for i in ids)
    sf_sim.convert_lead(ids[0])
    assert rows(sf.iter_contact_ids(record_type="lead")) == ids[1:]
    assert len(rows(sf.iter_contact_ids(record_type="account"))) == 13


@pytest.mark.parametrize(
    ("phone", "record_type", "last_name"),
    [
        ("+420731222333", "lead", "Malá"),  # stored national: "731 222 333"
        ("+44 20 7946 0777", "lead", "Baker"),  # stored "(020) 7946 0777"
        ("+420608444555", "account", "Krásná"),  # a person account's mobile, national
        ("+353 1 555 0199", "account", "Walsh"),  # a person account's home phone
        ("+442079461234", "account", "Globex Corporation"),  # a business account
    ],
)
def test_find_by_phone_finds_leads_and_accounts(sf, phone, record_type, last_name):
    found = sf.find_contacts_by_phone(phone, ("contact", "lead", "account"))
    assert [(c.type, c.last_name) for c in found] == [(record_type, last_name)]


def test_find_by_phone_searches_only_the_types_asked_and_live_leads(sf, sf_sim):
    assert sf.find_contacts_by_phone("+420731222333") == []  # contacts only (the default)
    assert sf.find_contacts_by_phone("+420731222333", ("account",)) == []
    assert sf.find_contacts_by_phone("+420605999000", ("lead",)) == []  # converted
    late = sf_sim.add_record("Lead", LastName="Late", Company="L", MobilePhone="00420 604 555 666")
    found = sf.find_contacts_by_phone("+420 604 555 666", ("contact", "lead"))
    assert [(c.crm_id, c.type, c.account) for c in found] == [(late["Id"], "lead", "L")]
    search = [p for _m, p in sf_sim.requests if "/search/?" in p]
    assert len(search) == 4  # one request per lookup, whatever the number of types


def test_an_org_without_person_accounts(tenant, start_simulator):
    sim = start_simulator(SalesforceSimulator, person_accounts=False, contacts=3)
    settings, credentials = sim.account_settings()
    sf = SalesforceConnector(make_connector(tenant, "salesforce", "No PA", settings, credentials))
    with pytest.raises(ConnectorError, match="INVALID_FIELD"):  # the field really is missing
        list(sf._pages("SELECT Id, IsPersonAccount FROM Account"))
    accounts = rows(sf.iter_contacts(record_type="account"))
    assert len(accounts) == 10 and {c.type for c in accounts} == {"account"}
    found = sf.find_contacts_by_phone("+1 212 555 0147", ("contact", "lead", "account"))
    assert [(c.type, c.last_name) for c in found] == [("account", "Initech")]


def test_create_contact(sf, sf_sim):
    owner = sf_sim.users[2]["Id"]
    before = set(sf_sim.contacts)
    record = NewRecord(
        key="acme-1-+420601000111",
        type="contact",
        phone="+420601000111",
        last_name="Unknown caller +420601000111",
        email="who@example.com",
        owner_crm_id=owner,
        description="Created for an unknown caller",
    )
    created = sf.create_record(record)
    (new,) = set(sf_sim.contacts) - before
    stored = sf_sim.contacts[new]
    assert (stored["LastName"], stored["Phone"], stored["Email"], stored["OwnerId"]) == (
        "Unknown caller +420601000111",
        "+420601000111",
        "who@example.com",
        owner,
    )
    assert stored["Description"] == "Created for an unknown caller" and not stored["FirstName"]
    assert (created.crm_id, created.type, created.phones) == (new, "contact", ["+420601000111"])
    assert sf.find_contacts_by_phone("+420601000111")[0].crm_id == new


def test_create_lead_needs_a_company(sf, sf_sim):
    before = set(sf_sim.leads)
    base = dict(key="k", type="lead", phone="+420601000222", last_name="Caller")
    created = sf.create_record(NewRecord(**base, first_name="Ann"))
    named = sf.create_record(NewRecord(**{**base, "phone": "+420601000333"}, company="Big Co"))
    assert set(sf_sim.leads) - before == {created.crm_id, named.crm_id}
    stored = sf_sim.leads[created.crm_id]
    assert (stored["Company"], stored["FirstName"], stored["Phone"], stored["IsConverted"]) == (
        "Unknown",
        "Ann",
        "+420601000222",
        False,
    )
    assert sf_sim.leads[named.crm_id]["Company"] == "Big Co"
    assert (created.type, created.account, created.first_name) == ("lead", "Unknown", "Ann")
    with pytest.raises(ValueError, match="account"):
        sf.create_record(NewRecord(**{**base, "type": "account"}))


def call(key: str, contact_crm_id: str, contact_type: str) -> CallLog:
    start = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
    return CallLog(
        key=key,
        direction="in",
        phone="+420731222333",
        started_at=start,
        ended_at=start + timedelta(seconds=30),
        duration_seconds=30,
        subject="Inbound call",
        contact_crm_id=contact_crm_id,
        contact_type=contact_type,
    )


def test_calls_link_leads_as_who_and_accounts_as_what(sf, sf_sim):
    lead = next(iter(sf_sim.leads))
    account = next(iter(sf_sim.accounts))
    contact = sorted(sf_sim.contacts)[0]
    results = sf.log_calls(
        [
            call("c-lead", lead, "lead"),
            call("c-acct", account, "account"),
            call("c-ct", contact, "contact"),
        ]
    )
    assert all(r.ok for r in results), results
    tasks = sf_sim.tasks
    assert (tasks["c-lead"]["WhoId"], tasks["c-lead"]["WhatId"]) == (lead, None)
    assert (tasks["c-acct"]["WhoId"], tasks["c-acct"]["WhatId"]) == (None, account)
    assert (tasks["c-ct"]["WhoId"], tasks["c-ct"]["WhatId"]) == (contact, None)


def test_cases_link_accounts_and_name_leads(sf, sf_sim):
    lead = next(iter(sf_sim.leads))
    account = next(iter(sf_sim.accounts))
    for key, crm_id, kind in (("t-lead", lead, "lead"), ("t-acct", account, "account")):
        ticket = TicketRequest(
            key=key,
            subject="Missed",
            description="Call back",
            contact_crm_id=crm_id,
            contact_type=kind,
        )
        assert sf.create_ticket(ticket).ok
    by_lead, by_account = sf_sim.cases["t-lead"], sf_sim.cases["t-acct"]
    assert (by_lead["ContactId"], by_lead["AccountId"]) == (None, None)
    assert by_lead["Description"] == f"Call back\nLead: {lead}"
    assert (by_account["ContactId"], by_account["AccountId"]) == (None, account)
    assert by_account["Description"] == "Call back"


# --- the SOSL endpoint, checked with an independent client --------------------------------------


def test_simple_salesforce_search_returning_several_objects(sf_sim):
    client = oauth_client(sf_sim)
    result = client.search(
        "FIND {731222333 OR 608444555 OR 605999000} IN PHONE FIELDS RETURNING "
        "Contact(Id, LastName), Lead(Id, LastName, Company WHERE IsConverted = false), "
        "Account(Id, Name, IsPersonAccount, PersonMobilePhone) LIMIT 10"
    )
    records = result["searchRecords"]
    assert [(r["attributes"]["type"], r.get("LastName") or r.get("Name")) for r in records] == [
        ("Lead", "Malá"),
        ("Account", "Věra Krásná"),
    ]
    lead, person = records
    assert lead["attributes"]["url"] == f"/services/data/v62.0/sobjects/Lead/{lead['Id']}"
    assert set(lead) == {"attributes", "Id", "LastName", "Company"}
    assert (person["IsPersonAccount"], person["PersonMobilePhone"]) == (True, "608 444 555")


def test_simple_salesforce_search_escapes_limits_and_errors(sf_sim):
    client = oauth_client(sf_sim)
    escaped = client.search(
        r"FIND {\+420605999000} IN PHONE FIELDS RETURNING Lead(Id, IsConverted)"
    )
    assert [r["IsConverted"] for r in escaped["searchRecords"]] == [True]  # no WHERE: all leads
    limited = client.search(
        "FIND {773794804} IN PHONE FIELDS RETURNING Contact(Id LIMIT 1), Lead(Id)"
    )
    assert len(limited["searchRecords"]) == 1
    overall = client.search("FIND {773794804} IN PHONE FIELDS RETURNING Contact(Id) LIMIT 2")
    assert len(overall["searchRecords"]) == 2
    with pytest.raises(SalesforceMalformedRequest, match="INVALID_FIELD"):
        client.search("FIND {773794804} IN PHONE FIELDS RETURNING Lead(Id, Shoe_Size__c)")
