"""Dynamics 365 record types over real HTTP: contacts, open leads and accounts imported (full and
incremental), counted, listed for the reconcile, found by phone, created for unknown callers;
phonecalls and incidents bound to the right table."""

from datetime import UTC, datetime, timedelta

import pytest

from connectors.dynamics365.records import key_value
from connectors.errors import ConnectorError
from connectors.registry import provider
from connectors.types import CallLog, NewRecord, TicketRequest
from tests.connectors import test_dynamics_support as support

account = support.account  # fixture
dyn = support.dyn  # fixture
sim = support.sim  # fixture
_running_sim = support._running_sim  # fixture

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LOGICAL = "@Microsoft.Dynamics.CRM.lookuplogicalname"


def read(dyn, record_type, since=None):
    return [r for page in dyn.iter_contacts(since, record_type=record_type) for r in page]


def lead_id(sim, lastname):
    return next(i for i, row in sim.tables["leads"].items() if row["lastname"] == lastname)


def account_id(sim, name):
    return next(i for i, row in sim.tables["accounts"].items() if row["name"] == name)


def a_user(sim):
    return next(u for u, row in sim.tables["systemusers"].items() if row["internalemailaddress"])


def test_provider_declares_the_record_types():
    dynamics = provider("dynamics365")
    assert dynamics.record_types == ("contact", "lead", "account")
    assert [dynamics.crm_object(t) for t in dynamics.record_types] == ["contact", "lead", "account"]
    assert dynamics.creatable_types == ("contact", "lead")


def test_full_import_of_each_type_is_typed(dyn, sim):
    contacts, leads, accounts = (read(dyn, t) for t in ("contact", "lead", "account"))
    assert {c.type for c in contacts} == {"contact"} and len(contacts) == 50
    open_leads = {i for i, row in sim.tables["leads"].items() if row["statecode"] == 0}
    assert {r.crm_id for r in leads} == open_leads and len(open_leads) == 4  # 2 closed skipped
    assert {r.type for r in leads} == {"lead"} and not any(r.deleted for r in leads)
    assert {r.crm_id for r in accounts} == set(sim.tables["accounts"])
    assert {r.type for r in accounts} == {"account"}
    lenka = next(r for r in leads if r.last_name == "Leadova")
    assert (lenka.first_name, lenka.account, lenka.phones) == (
        "Lenka",
        "Acme Leads s.r.o.",
        ["+420 604 111 222"],
    )
    assert lenka.url.endswith(f"etn=lead&id={lenka.crm_id}")
    daktela = next(r for r in accounts if r.account == "Daktela s.r.o.")
    assert daktela.last_name == "Daktela s.r.o." and daktela.first_name == ""
    assert daktela.phones == ["+420 296 330 111", "00420 296 330 199"]
    assert daktela.owner_crm_id == sim.tables["accounts"][daktela.crm_id]["_ownerid_value"]
    assert daktela.url.endswith(f"etn=account&id={daktela.crm_id}")
    paths = [p for _m, p in sim.requests if "/leads?" in p]
    assert paths and all("statecode+eq+0" in p for p in paths)


def test_incremental_import_reads_a_lead_created_after_the_last_import(dyn, sim):
    since = datetime.now(UTC) - timedelta(minutes=1)
    assert read(dyn, "lead", since) == []
    new = sim.add_lead(firstname="Nina", lastname="Newlead", telephone1="+420 777 000 111")
    sim.add_account(name="Fresh Account s.r.o.", telephone2="+420 222 000 999")
    [lead] = read(dyn, "lead", since)
    assert (lead.crm_id, lead.type, lead.deleted) == (new["leadid"], "lead", False)
    assert lead.modified_at >= since
    [fresh] = read(dyn, "account", since)
    assert fresh.account == "Fresh Account s.r.o." and fresh.type == "account"
    assert dyn.count_contacts(since, record_type="lead") == 1
    assert dyn.count_contacts(since, record_type="account") == 1
    assert read(dyn, "contact", since) == []


def test_a_qualified_lead_leaves_the_ids_and_reads_as_deleted(dyn, sim):
    quinn_is_closed = lead_id(sim, "Qualified")
    lenka = lead_id(sim, "Leadova")
    ids = {i for page in dyn.iter_contact_ids(record_type="lead") for i in page}
    assert lenka in ids and quinn_is_closed not in ids
    since = datetime.now(UTC) - timedelta(minutes=1)
    sim.qualify_lead(lenka)
    ids = {i for page in dyn.iter_contact_ids(record_type="lead") for i in page}
    assert lenka not in ids and len(ids) == 3
    [gone] = read(dyn, "lead", since)
    assert (gone.crm_id, gone.deleted, gone.type) == (lenka, True, "lead")
    assert dyn.count_contacts(record_type="lead") == 3  # the open leads a full import reads


def test_ids_and_counts_per_type(dyn, sim):
    for record_type, entity_set in (("contact", "contacts"), ("account", "accounts")):
        ids = [i for page in dyn.iter_contact_ids(record_type=record_type) for i in page]
        assert sorted(ids) == sorted(sim.tables[entity_set])
        assert dyn.count_contacts(record_type=record_type) == len(ids)
    sim.delete_row("accounts", account_id(sim, "Tailspin Toys"))
    ids = {i for page in dyn.iter_contact_ids(record_type="account") for i in page}
    assert len(ids) == len(sim.tables["accounts"]) == 7


def test_unknown_type_is_refused(dyn):
    with pytest.raises(ValueError):
        read(dyn, "opportunity")


@pytest.mark.parametrize(
    ("phone", "record_type", "name"),
    [
        ("+420604111222", "lead", "Leadova"),  # stored "+420 604 111 222"
        ("00420 731 222 334", "lead", "Mobil"),  # stored on mobilephone
        ("+358 50 765 4322", "lead", "Prospect"),  # stored nationally "050 765 4322"
        ("+420296330199", "account", "Daktela s.r.o."),  # telephone3 "00420 296 330 199"
        ("+44 20 7946 0123", "account", "Northwind Traders"),  # telephone2 "020 7946 0123"
        ("4255550101", "account", "Fabrikam, Inc."),  # "+1 425-555-0101"
    ],
)
def test_find_by_phone_finds_leads_and_accounts_in_another_format(
    dyn, sim, phone, record_type, name
):
    found = dyn.find_contacts_by_phone(phone, record_types=("contact", "lead", "account"))
    assert [(r.type, r.last_name) for r in found] == [(record_type, name)]
    searched = [p for _m, p in sim.requests[-3:]]
    assert [p.split("?")[0].rsplit("/", 1)[1] for p in searched] == [
        "contacts",
        "leads",
        "accounts",
    ]
    assert all("%24top=20" in p for p in searched)  # one small page per type


def test_find_by_phone_asks_only_the_types_given_and_skips_closed_leads(dyn, sim):
    before = len(sim.requests)
    assert dyn.find_contacts_by_phone("+420605333444", record_types=("lead",)) == []  # qualified
    assert len(sim.requests) == before + 1
    assert dyn.find_contacts_by_phone("+420604111222") == []  # contacts only by default
    assert dyn.find_contacts_by_phone("+420604111222", record_types=("quote",)) == []
    new = sim.add_lead(lastname="Latecomer", mobilephone="+420 608 765 432")
    [found] = dyn.find_contacts_by_phone("608765432", record_types=("lead",))
    assert found.crm_id == new["leadid"] and found.type == "lead"


def test_create_record_contact_creates_one_row_and_returns_it(dyn, sim):
    user = a_user(sim)
    before = len(sim.tables["contacts"])
    record = NewRecord(
        key="acme-7-+420777123456",
        type="contact",
        phone="+420777123456",
        last_name="Unknown caller +420777123456",
        email="who@example.com",
        owner_crm_id=user,
    )
    created = dyn.create_record(record)
    assert len(sim.tables["contacts"]) == before + 1
    row = sim.tables["contacts"][created.crm_id]
    assert (row["lastname"], row["telephone1"], row["emailaddress1"]) == (
        "Unknown caller +420777123456",
        "+420777123456",
        "who@example.com",
    )
    assert row["_ownerid_value"] == user
    assert (created.type, created.last_name, created.phones) == (
        "contact",
        "Unknown caller +420777123456",
        ["+420777123456"],
    )
    assert created.owner_crm_id == user and created.url.endswith(f"id={created.crm_id}")
    headers = sim.api_headers[-1]
    assert "return=representation" in headers["Prefer"]
    [found] = dyn.find_contacts_by_phone("777 123 456")  # what a retry finds first
    assert found.crm_id == created.crm_id


def test_create_record_lead_with_company_and_topic(dyn, sim):
    before = len(sim.tables["leads"])
    created = dyn.create_record(
        NewRecord(
            key="k",
            type="lead",
            phone="+420777654321",
            last_name="Unknown caller",
            company="Walk-in s.r.o.",
        )
    )
    assert len(sim.tables["leads"]) == before + 1
    row = sim.tables["leads"][created.crm_id]
    assert row["companyname"] == "Walk-in s.r.o." and row["subject"] == "Call from +420777654321"
    assert row["statecode"] == 0 and created.type == "lead" and created.account == "Walk-in s.r.o."
    ids = {i for page in dyn.iter_contact_ids(record_type="lead") for i in page}
    assert created.crm_id in ids


def test_create_record_refuses_accounts_and_bad_owners(dyn, sim):
    before = (len(sim.tables["contacts"]), len(sim.requests))
    for record in (
        NewRecord(key="k", type="account", phone="+420777654321", last_name="X"),
        NewRecord(key="k", type="contact", phone="+1", last_name="X", owner_crm_id="nope"),
    ):
        with pytest.raises(ConnectorError) as caught:
            dyn.create_record(record)
        assert caught.value.permanent
    assert (len(sim.tables["contacts"]), len(sim.requests)) == before


def call(key, **kw) -> CallLog:
    values = dict(
        key=key,
        direction="in",
        phone="+420604111222",
        started_at=T0,
        ended_at=T0 + timedelta(seconds=30),
        duration_seconds=30,
        subject="",
    )
    return CallLog(**{**values, **kw})


@pytest.mark.parametrize(
    ("record_type", "direction", "mask"),
    [("lead", "in", 1), ("account", "out", 2)],
)
def test_log_calls_binds_regarding_and_party_by_contact_type(
    dyn, sim, record_type, direction, mask
):
    target = lead_id(sim, "Leadova") if record_type == "lead" else account_id(sim, "Fabrikam, Inc.")
    user = a_user(sim)
    [result] = dyn.log_calls(
        [
            call(
                f"acme:{record_type}",
                direction=direction,
                owner_crm_id=user,
                contact_crm_id=target,
                contact_type=record_type,
            )
        ]
    )
    assert result.ok, result
    row = sim.phonecalls[key_value(f"acme:{record_type}")]
    assert row["_regardingobjectid_value"] == target
    assert row["_regardingobjectid_value" + LOGICAL] == record_type
    parties = {
        p["partytype"]: (p["_partyid_value"], p["participationtypemask"])
        for p in row["phonecall_activity_parties"]
    }
    assert parties[record_type] == (target, mask)  # inbound: the caller is From (1)
    assert parties["systemuser"][0] == user


def test_a_lead_id_sent_as_a_contact_is_refused_by_dataverse(dyn, sim):
    [result] = dyn.log_calls([call("acme:wrong", contact_crm_id=lead_id(sim, "Leadova"))])
    assert not result.ok and "Does Not Exist" in result.error
    assert sim.phonecalls == {}


def test_incident_for_an_account_caller(dyn, sim):
    fabrikam = account_id(sim, "Fabrikam, Inc.")
    result = dyn.create_ticket(
        TicketRequest(
            key="acme:t-acc",
            subject="Outage",
            description="",
            contact_crm_id=fabrikam,
            contact_type="account",
        )
    )
    incident = sim.incidents[key_value("acme:t-acc")]
    assert result.ok and incident["_customerid_value"] == fabrikam
    assert incident["_customerid_value" + LOGICAL] == "account"


def test_incident_for_a_lead_goes_to_the_account_and_names_the_lead(dyn, sim):
    lenka = lead_id(sim, "Leadova")
    fabrikam = account_id(sim, "Fabrikam, Inc.")
    ticket = TicketRequest(
        key="acme:t-lead",
        subject="Wants a demo",
        description="Called twice",
        contact_crm_id=lenka,
        contact_type="lead",
        account_crm_id=fabrikam,
    )
    assert dyn.create_ticket(ticket).ok
    incident = sim.incidents[key_value("acme:t-lead")]
    assert incident["_customerid_value"] == fabrikam
    assert incident["description"].startswith("Called twice\n\nLead: ")
    assert incident["description"].endswith(f"etn=lead&id={lenka}")


def test_incident_for_a_lead_without_an_account_is_refused(dyn, sim):
    lenka = lead_id(sim, "Leadova")
    with pytest.raises(ConnectorError) as caught:
        dyn.create_ticket(
            TicketRequest(
                key="acme:t-l2",
                subject="x",
                description="",
                contact_crm_id=lenka,
                contact_type="lead",
            )
        )
    assert caught.value.permanent and lenka in str(caught.value)
    assert sim.incidents == {}


def test_latency_knob_slows_the_record_reads(dyn, sim):
    sim.latency = 0.2
    started = datetime.now(UTC)
    dyn.find_contacts_by_phone("+420604111222", record_types=("lead",))
    assert datetime.now(UTC) - started >= timedelta(seconds=0.2)
