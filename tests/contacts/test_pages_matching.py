"""The Caller matching page (policy form, phone tester), the contacts list's Type filter and
column, and the detail page's flag on numbers that are not valid in the connector's region."""

import pytest
from django.urls import reverse

from connectors.types import CrmContact
from contacts.lookup import store_found
from contacts.models import MatchingPolicy
from tests.conftest import make_user
from tests.contacts.helpers import ALL_OBJECTS, make_contact, patch_provider
from tests.factories import make_connector

pytestmark = pytest.mark.django_db


def page(account):
    return reverse("contacts:matching", kwargs={"connector_id": account.pk})


def test_the_connector_pages_link_to_caller_matching(member_client, tenant):
    account = make_connector(tenant)
    for url in (reverse("connectors:index"), reverse("connectors:configure", args=[account.pk])):
        assert page(account) in member_client.get(url).content.decode()


def test_the_policy_form_saves_and_refuses_what_the_crm_cannot(member_client, tenant, monkeypatch):
    patch_provider(monkeypatch, record_objects=ALL_OBJECTS, creatable_types=("contact",))
    account = make_connector(tenant)
    body = member_client.get(page(account)).content.decode()
    assert 'name="objects"' in body and "contact, lead, account" in body
    form = {
        "objects": "lead, contact",
        "live_lookup": "on",
        "live_lookup_timeout_ms": "800",
        "negative_cache_seconds": "60",
        "multiple_matches": "agent_owned",
        "unknown_caller": "log_unmatched",
        "region": "gb",
    }
    response = member_client.post(page(account), form)
    assert response.status_code == 302
    policy = MatchingPolicy.objects.for_tenant(tenant).get(connector=account)
    assert (policy.objects_order, policy.region, policy.live_lookup_timeout_ms) == (
        ["lead", "contact"],
        "GB",
        800,
    )
    response = member_client.post(page(account), {**form, "objects": "deal"})
    assert response.status_code == 200 and "has no record type" in response.content.decode()
    response = member_client.post(page(account), {**form, "unknown_caller": "create_lead"})
    assert response.status_code == 200  # not offered: this CRM cannot create leads
    assert MatchingPolicy.objects.for_tenant(tenant).get(connector=account).unknown_caller == (
        "log_unmatched"
    )


def test_viewers_see_the_policy_but_cannot_change_it(client, tenant):
    account = make_connector(tenant)
    client.force_login(make_user("viewer@acme.test", tenant, "viewer"))
    body = client.get(page(account)).content.decode()
    assert "Most recently" in body or "most recently" in body
    assert client.post(page(account), {"objects": "contact"}).status_code == 403


def test_the_tester_shows_the_number_in_the_connectors_region(member_client, tenant):
    account = make_connector(tenant)
    body = member_client.get(page(account), {"phone": "020 7946 0958"}).content.decode()
    assert "not valid in CZ" in body and "9460958" in body  # a UK number read as Czech
    MatchingPolicy.objects.create(tenant=tenant, connector=account, region="GB")
    body = member_client.get(page(account), {"phone": "020 7946 0958"}).content.decode()
    assert "+442079460958" in body and "valid in GB" in body and "not valid" not in body


def test_the_tester_finds_stored_records_and_asks_the_crm_only_when_ticked(
    member_client, tenant, sf, sf_sim
):
    make_contact(tenant, connector=sf, crm_id="003STORED", phones=["+420 773 794 804"])
    body = member_client.get(page(sf), {"phone": "773794804"}).content.decode()
    assert "003STORED" in body
    added = sf_sim.add_contact(FirstName="Only", LastName="InCrm", Phone="+420 602 555 321")
    sf_sim.requests.clear()
    body = member_client.get(page(sf), {"phone": "602555321"}).content.decode()
    assert added["Id"] not in body and not [p for _m, p in sf_sim.requests if "/search" in p]
    body = member_client.get(page(sf), {"phone": "602555321", "live": "on"}).content.decode()
    assert added["Id"] in body and "live" in body


def test_contacts_list_type_filter_and_column(member_client, tenant):
    account = make_connector(tenant)
    store_found(
        account,
        [
            CrmContact(crm_id="C1", type="contact", last_name="Contactperson"),
            CrmContact(crm_id="L1", type="lead", last_name="Leadperson"),
        ],
    )
    body = member_client.get(reverse("contacts:index")).content.decode()
    assert "Contactperson" in body and "Leadperson" in body and "<th>Type</th>" in body
    body = member_client.get(reverse("contacts:index"), {"type": "lead"}).content.decode()
    assert "Leadperson" in body and "Contactperson" not in body
    body = member_client.get(reverse("contacts:index"), {"type": "bogus"}).content.decode()
    assert "Leadperson" in body and "Contactperson" in body  # a bad type: every type


def test_the_detail_page_flags_numbers_invalid_in_the_region(member_client, tenant):
    contact = make_contact(tenant, crm_id="X", phones=["+420 773 794 804", "+420 123"])
    make_contact(tenant, crm_id="Y", phones=["+420 773 794 804"])
    body = member_client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert body.count("kept findable by its digits") == 0  # "+420 123" is no number at all
    [row] = store_found(contact.connector, [CrmContact(crm_id="Z", phones=["020 7946 0958"])])
    assert not row.phone_numbers.get().valid
    body = member_client.get(reverse("contacts:detail", args=[row.pk])).content.decode()
    assert "not valid in CZ: kept findable by its digits" in body
