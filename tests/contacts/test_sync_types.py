"""The contact sync per record type: which types are read (the policy's objects the CRM
supports), a high-water mark per type, a new type read in full, deletes and reconcile per type,
records keyed by (type, crm_id), the progress total summing the per-type counts.

The CRM here is a Salesforce account whose record operations read an in-memory CRM (the
record-type reads of the real connectors arrive with the CRM helpers' branches and are tested
against their simulators there); the sync, the store and the job are the real ones."""

from datetime import UTC, datetime, timedelta

import pytest

from connectors.salesforce.connector import SalesforceConnector
from connectors.types import CrmContact
from contacts.models import Contact, ContactSyncSettings, MatchingPolicy
from contacts.sync import ContactSync, read_marks, run_contact_sync, start_contact_sync
from jobs.models import JobStatus
from tests.contacts.helpers import ALL_OBJECTS as OBJECTS
from tests.contacts.helpers import patch_provider

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class FakeCrm:
    def __init__(self):
        self.rows = {t: {} for t, _o in OBJECTS}
        self.reads: list[tuple[str, datetime | None]] = []
        self.counts: dict[str, int | None] = {}

    def put(self, record_type, crm_id, phone, minutes=0, **kw):
        self.rows[record_type][crm_id] = CrmContact(
            crm_id=crm_id,
            type=record_type,
            phones=[phone],
            modified_at=T0 + timedelta(minutes=minutes),
            **kw,
        )

    def install(self, monkeypatch):
        crm = self

        def iter_contacts(self, modified_since=None, fields=None, record_type="contact"):
            crm.reads.append((record_type, modified_since))
            rows = list(crm.rows[record_type].values())
            yield [r for r in rows if not modified_since or r.modified_at > modified_since]

        def count_contacts(self, modified_since=None, record_type="contact"):
            if record_type in crm.counts:
                return crm.counts[record_type]
            rows = crm.rows[record_type].values()
            return sum(1 for r in rows if not modified_since or r.modified_at > modified_since)

        def iter_contact_ids(self, record_type="contact"):
            yield list(crm.rows[record_type])

        monkeypatch.setattr(SalesforceConnector, "iter_contacts", iter_contacts)
        monkeypatch.setattr(SalesforceConnector, "count_contacts", count_contacts)
        monkeypatch.setattr(SalesforceConnector, "iter_contact_ids", iter_contact_ids)
        patch_provider(monkeypatch, record_objects=OBJECTS)


@pytest.fixture
def crm(monkeypatch):
    fake = FakeCrm()
    fake.install(monkeypatch)
    fake.put("contact", "101", "+420 773 794 804", first_name="Contact", last_name="One")
    fake.put("lead", "101", "+420 602 111 222", minutes=5, last_name="Lead One")
    fake.put("account", "900", "+420 222 333 444", last_name="Acme")
    return fake


def objects(account, *types):
    MatchingPolicy.objects.for_tenant(account.tenant).update_or_create(
        connector=account, defaults={"tenant": account.tenant, "objects_order": list(types)}
    )


def sync(account, full=False):
    job, _created = start_contact_sync(account, full=full)
    run_contact_sync(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def stored(tenant):
    return sorted(Contact.objects.for_tenant(tenant).values_list("type", "crm_id"))


def test_the_policys_types_are_imported_keyed_by_type_and_id(tenant, sf, crm):
    objects(sf, "lead", "contact")
    job = sync(sf)
    assert stored(tenant) == [("contact", "101"), ("lead", "101")]  # same id, two records
    assert [t for t, _since in crm.reads] == ["lead", "contact"]
    assert job.total == job.done == 2  # the per-type counts summed
    assert set(job.result["types"]) == {"lead", "contact"}
    marks = ContactSyncSettings.objects.unscoped().get(connector=sf).high_water_marks
    assert marks == {"contact": T0.isoformat(), "lead": (T0 + timedelta(minutes=5)).isoformat()}


def test_incremental_reads_each_type_from_its_own_mark(tenant, sf, crm):
    objects(sf, "contact", "lead")
    sync(sf)
    crm.put("lead", "102", "+420 602 999 000", minutes=30, last_name="New lead")
    crm.reads.clear()
    job = sync(sf)
    assert job.result["mode"] == "incremental"
    assert dict(crm.reads) == {"contact": T0, "lead": T0 + timedelta(minutes=5)}
    assert job.result["types"]["lead"]["fetched"] == 1 and job.result["fetched"] == 1
    assert ("lead", "102") in stored(tenant)


def test_a_type_added_to_objects_is_read_in_full_next_run(tenant, sf, crm):
    objects(sf, "contact")
    sync(sf)
    assert stored(tenant) == [("contact", "101")]
    objects(sf, "contact", "account")
    crm.reads.clear()
    job = sync(sf)
    assert dict(crm.reads) == {"contact": T0, "account": None}
    assert job.result["types"]["account"]["mode"] == "full"
    assert ("account", "900") in stored(tenant)


def test_a_type_removed_from_objects_loses_its_mark(tenant, sf, crm):
    objects(sf, "contact", "lead")
    sync(sf)
    objects(sf, "contact")
    sync(sf)
    marks = ContactSyncSettings.objects.unscoped().get(connector=sf).high_water_marks
    assert set(marks) == {"contact"}


def test_reconcile_deletes_per_type(tenant, sf, crm):
    objects(sf, "contact", "lead")
    crm.put("lead", "102", "+420 602 999 000", last_name="Kept lead")
    sync(sf)
    del crm.rows["lead"]["101"]  # gone from the CRM without a delete event
    ContactSyncSettings.objects.unscoped().filter(connector=sf).update(last_reconciled_at=None)
    job = sync(sf)
    assert job.result["reconciled"] and job.result["deleted"] == 1
    assert stored(tenant) == [("contact", "101"), ("lead", "102")]  # same-id contact stays


def test_a_full_run_sweeps_only_the_type_that_lost_records(tenant, sf, crm):
    objects(sf, "contact", "lead")
    sync(sf)
    del crm.rows["contact"]["101"]
    crm.put("contact", "103", "+420 777 000 111")
    sync(sf, full=True)
    assert stored(tenant) == [("contact", "103"), ("lead", "101")]


@pytest.mark.parametrize("lead_count, first_total", [(None, None), (7, 8)])
def test_the_total_sums_the_counts_or_is_unknown(
    tenant, sf, crm, monkeypatch, lead_count, first_total
):
    objects(sf, "contact", "lead")
    crm.counts["lead"] = lead_count
    beats = []
    real = ContactSync.heartbeat
    monkeypatch.setattr(
        ContactSync,
        "heartbeat",
        lambda self, done, total: beats.append(total) or real(self, done, total),
    )
    job = sync(sf)
    assert beats[0] == first_total
    assert job.done == job.total == 2  # at the end: what was read


def test_the_mark_from_before_record_types_is_the_contacts(tenant, sf, crm):
    st = ContactSyncSettings.for_connector(sf)
    st.high_water_mark, st.high_water_marks = T0, {}
    st.save()
    assert read_marks(st) == {"contact": T0}
    objects(sf, "contact")
    sync(sf)
    assert crm.reads == [("contact", T0 - timedelta(seconds=0))]
