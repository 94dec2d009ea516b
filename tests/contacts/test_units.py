"""Small units: the prefetching page reader, contact objects per CRM, the Daktela demo seed,
and the importer's handling of odd CRM data."""

import pytest

from connectors.types import CrmContact
from contacts.importer import Importer
from contacts.metadata import contact_object
from contacts.models import Contact
from contacts.prefetch import prefetch
from platforms.models import ContactCenterAccount
from portal import logcontext
from simulators.daktela import DEMO_TOKEN, DaktelaSimulator
from tests.factories import make_connector


def test_prefetch_yields_in_order_and_raises_the_producers_error():
    assert list(prefetch(iter([[1], [2], [3]]))) == [[1], [2], [3]]

    def broken():
        yield [1]
        raise ValueError("CRM went away")

    got = []
    with pytest.raises(ValueError, match="CRM went away"):
        for page in prefetch(broken()):
            got.append(page)
    assert got == [[1]]


def test_prefetch_reads_pages_in_the_callers_log_context():
    """The producer's CRM requests are logged and counted under the job's connector."""

    def pages():
        for _ in range(2):
            yield [logcontext.connector_kind(), logcontext.context().get("tenant")]

    logcontext.clear()
    logcontext.bind(connector_kind="salesforce", tenant="acme")
    try:
        assert list(prefetch(pages())) == [["salesforce", "acme"], ["salesforce", "acme"]]
    finally:
        logcontext.clear()


def test_prefetch_stops_the_producer_when_the_consumer_stops():
    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield [n]
            n += 1

    for page in prefetch(endless(), depth=1):
        if page == [3]:
            break
    count = len(produced)
    assert count <= 7  # bounded read-ahead, and the thread has stopped
    assert len(produced) == count


@pytest.mark.django_db
def test_contact_object_per_crm(tenant):
    assert contact_object(make_connector(tenant, name="sf")) == "Contact"
    dyn = make_connector(tenant, kind="dynamics365", name="d", settings={}, credentials={})
    assert contact_object(dyn) == "contact"


@pytest.mark.django_db
def test_daktela_seed_demo_is_idempotent(tenant):

    DaktelaSimulator.seed_demo(tenant, "http://127.0.0.1:8705")
    DaktelaSimulator.seed_demo(tenant, "http://127.0.0.1:8705")
    account = ContactCenterAccount.objects.get(tenant=tenant)
    assert account.credentials == {"access_token": DEMO_TOKEN} and account.url.endswith(":8705")


@pytest.mark.django_db
def test_importer_handles_duplicates_long_values_and_garbage_phones(tenant):
    connector = make_connector(tenant)
    importer = Importer(connector, region="CZ", mapping={"Tier": "tier"}, mark=1)
    stats = importer.apply(
        [
            CrmContact(
                crm_id="A", first_name="x" * 500, phones=["not a phone", "+420 773 794 804"]
            ),
            CrmContact(
                crm_id="A",
                first_name="Second",
                phones=["773794804", "00420773794804"],
                fields={"Tier": {"k": 1}},
            ),
            CrmContact(crm_id="", first_name="no id"),
            CrmContact(crm_id="B", deleted=True),
        ]
    )
    assert stats.upserted == 1 and stats.skipped == 1
    contact = Contact.objects.unscoped().get(connector=connector)
    assert contact.first_name == "Second"  # a later duplicate in a page wins
    assert contact.phones == ["+420773794804"] and contact.phone_numbers.count() == 1
    assert contact.fields == {"tier": {"k": 1}}
    importer.apply([CrmContact(crm_id="A", first_name="y" * 500, phones=[])])
    contact.refresh_from_db()
    assert (
        len(contact.first_name) == 200
        and contact.phones == []
        and not contact.phone_numbers.exists()
    )
