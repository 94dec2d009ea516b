"""Dynamics 365 reads against the HTTPS simulator: WhoAmI, metadata, contacts paging, phone
search, users, queues."""

from datetime import datetime

import pytest

from connectors.errors import ConnectorError
from simulators.dynamics365 import data as sim_data
from tests.connectors import test_dynamics_support as support

account = support.account  # fixture
dyn = support.dyn  # fixture
sim = support.sim  # fixture
_running_sim = support._running_sim  # fixture


def test_requests_carry_odata_headers_and_bearer(dyn, sim):
    dyn.test_connection()
    headers = sim.api_headers[-1]
    assert headers["OData-MaxVersion"] == "4.0" and headers["OData-Version"] == "4.0"
    assert headers["Accept"] == "application/json"
    assert headers["Authorization"] == f"Bearer {dyn.account.token['access_token']}"


def test_describe_fields_reads_entity_metadata(dyn, sim):
    fields = {f.name: f for f in dyn.describe_fields("Contact")}
    assert fields["firstname"].label == "First Name" and fields["firstname"].type == "String"
    assert fields["mobilephone"].createable and not fields["fullname"].createable
    assert "parentcustomeridname" not in fields  # shadow column of a lookup
    path = sim.requests[-1][1]
    assert "EntityDefinitions(LogicalName='contact')/Attributes" in path


def test_describe_unknown_table_is_a_permanent_error(dyn):
    with pytest.raises(ConnectorError) as caught:
        dyn.describe_fields("nosuchtable")
    assert caught.value.permanent and caught.value.status == 404


def test_iter_contacts_follows_next_links_with_maxpagesize(dyn, sim):
    dyn.page_size = 20
    pages = list(dyn.iter_contacts())
    assert [len(p) for p in pages] == [20, 20, 10]
    ids = [c.crm_id for page in pages for c in page]
    assert sorted(ids) == sorted(sim.tables["contacts"])
    contact_requests = [h for h in sim.api_headers if "odata.maxpagesize" in h.get("Prefer", "")]
    assert len(contact_requests) == 3
    assert all("odata.maxpagesize=20" in h["Prefer"] for h in contact_requests)
    assert sum("%24skiptoken" in path for _, path in sim.requests) == 2


def test_contacts_are_mapped_with_account_name_owner_and_url(dyn, sim):
    contacts = [c for page in dyn.iter_contacts() for c in page]
    havicek = next(c for c in contacts if c.email == "jiri.havicek@daktela.example")
    row = sim.tables["contacts"][havicek.crm_id]
    assert (havicek.first_name, havicek.last_name) == ("Jiri", "Havicek")
    assert havicek.phones == ["+420 773 794 804", "+420 226 211 245"]
    assert havicek.account == "Daktela s.r.o."  # the lookup's formatted value
    assert havicek.owner_crm_id == row["_ownerid_value"]
    assert havicek.modified_at == datetime.fromisoformat(row["modifiedon"].replace("Z", "+00:00"))
    assert havicek.url == (
        f"{sim.url}/main.aspx?pagetype=entityrecord&etn=contact&id={havicek.crm_id}"
    )


def test_iter_contacts_modified_since(dyn, sim):
    since = sim_data.BASE_TIME.replace(hour=0)  # the seed spaces contacts 7 hours apart
    got = [c for page in dyn.iter_contacts(modified_since=since) for c in page]
    expected = {
        cid
        for cid, row in sim.tables["contacts"].items()
        if row["modifiedon"] >= "2026-01-01T00:00:00Z"
    }
    assert {c.crm_id for c in got} == expected and len(expected) == 2
    assert all(c.modified_at >= since for c in got)


def test_iter_contacts_with_mapped_fields(dyn):
    contacts = [c for page in dyn.iter_contacts(fields=["jobtitle", "address1_city"]) for c in page]
    assert all("address1_city" in c.fields for c in contacts)
    assert {c.fields["address1_city"] for c in contacts} <= {
        "Praha",
        "Brno",
        "Helsinki",
        "Seattle",
        "London",
    }


def test_unknown_mapped_field_is_a_permanent_error(dyn):
    with pytest.raises(ConnectorError) as caught:
        list(dyn.iter_contacts(fields=["new_nosuchfield"]))
    assert caught.value.permanent and "Could not find a property" in str(caught.value)


def test_iter_contact_ids_pages_every_id(dyn, sim):
    dyn.page_size = 30
    pages = list(dyn.iter_contact_ids())
    assert [len(p) for p in pages] == [30, 20]
    assert sorted(i for p in pages for i in p) == sorted(sim.tables["contacts"])


@pytest.mark.parametrize(
    "phone", ["+420773794804", "00420 773 794 804", "773794804", "773-794-804"]
)
def test_find_contacts_by_phone_matches_mixed_formats(dyn, phone):
    found = dyn.find_contacts_by_phone(phone)
    assert sorted(c.email for c in found) == [
        "jiri.havicek@daktela.example",
        "jiri.havicek@zscout.example",
    ]


def test_every_seeded_number_is_found_from_its_digits(dyn, sim):
    for row in sim.tables["contacts"].values():
        for raw in (row["telephone1"], row["mobilephone"]):
            if raw:
                digits = "".join(ch for ch in raw if ch.isdigit())
                found = {c.crm_id for c in dyn.find_contacts_by_phone(digits)}
                assert row["contactid"] in found, raw


def test_find_by_phone_sends_contains_filters_and_ignores_short_input(dyn, sim):
    assert dyn.find_contacts_by_phone("+1 555 000 0000") == []
    method, path = sim.requests[-1]
    assert "contains%28telephone1" in path and "mobilephone" in path and "telephone2" in path
    before = len(sim.requests)
    assert dyn.find_contacts_by_phone("12") == []
    assert dyn.find_contacts_by_phone("x' or 1 eq 1 or 'a") == []
    assert len(sim.requests) == before  # too few digits: nothing to ask


def test_list_users(dyn):
    users = {u.email: u for u in dyn.list_users()}
    assert users["alice.novakova@contoso-sim.example"].name == "Alice Novakova"
    assert users["alice.novakova@contoso-sim.example"].active
    assert not users["frank.former@contoso-sim.example"].active  # isdisabled


def test_list_queues(dyn, sim):
    queues = {q.name: q for q in dyn.list_queues()}
    assert set(queues) == {"Support", "Sales", "<Billing>", "Escalations"}
    assert queues["Sales"].owner_crm_id in sim.tables["systemusers"]


def test_record_url(dyn, sim):
    assert dyn.record_url("incident", "abc") == (
        f"{sim.url}/main.aspx?pagetype=entityrecord&etn=incident&id=abc"
    )
