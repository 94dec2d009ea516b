"""Contact sync against the Salesforce simulator over real HTTP: full, incremental, deletes,
mapped fields, one run per connector, claims and the stale-job sweeper."""

from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.salesforce.connector import SalesforceConnector
from contacts.models import Contact, ContactSyncSettings, FieldMapping
from contacts.sync import run_contact_sync, start_contact_sync, start_due_syncs
from jobs.models import Job, JobStatus
from jobs.runner import LostClaim, claim_job, heartbeat
from jobs.sweeper import MAX_ATTEMPTS, sweep_stale_jobs
from simulators.salesforce import data as sim_data

pytestmark = pytest.mark.django_db


def sync(account, full=False) -> Job:
    """Start a sync and run its task (the on_commit doorbell does not ring inside a test)."""
    job, _created = start_contact_sync(account, full=full)
    run_contact_sync(job.pk)
    job.refresh_from_db()
    return job


def test_a_finished_job_shows_what_it_read_when_the_count_was_an_estimate(
    tenant, sf, sf_sim, monkeypatch
):

    monkeypatch.setattr(SalesforceConnector, "count_contacts", lambda self, **kw: 10_000)
    job = sync(sf)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.done == job.total == Contact.objects.for_tenant(tenant).count() < 10_000


def soql_requests(sim):
    return [path for method, path in sim.requests if "/query" in path and method == "GET"]


def test_full_import_normalises_phones_and_maps_fields(tenant, sf, sf_sim):
    FieldMapping.objects.create(
        tenant=tenant, connector=sf, crm_field="Customer_Tier__c", cc_field="tier"
    )
    sf_sim.update_contact(sim_data.make_id("Contact", 3), Customer_Tier__c="Gold")
    job = sync(sf)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["mode"] == "full"
    live = [r for r in sf_sim.contacts.values() if not r.get("IsDeleted")]
    assert Contact.objects.for_tenant(tenant).count() == len(live) == job.done == job.total
    first = Contact.objects.unscoped().get(connector=sf, crm_id=sim_data.make_id("Contact", 1))
    assert first.phones == ["+420773794804"]  # stored as "+420 773 794 804"
    assert first.crm_url.endswith(f"/{first.crm_id}/view") and first.owner_crm_id
    gold = Contact.objects.unscoped().get(connector=sf, crm_id=sim_data.make_id("Contact", 3))
    assert gold.fields == {"tier": "Gold"}
    # contacts 2 and 16 have the number of contact 1 in national format: all are found
    found = Contact.objects.for_tenant(tenant).by_phone("00420773794804", "CZ")
    same = {first.crm_id, sim_data.make_id("Contact", 2), sim_data.make_id("Contact", 16)}
    assert {c.crm_id for c in found} == same
    assert len(soql_requests(sf_sim)) > 1  # paged (page_size=20)


def test_incremental_fetches_only_changes_and_moves_the_high_water_mark(tenant, sf, sf_sim):
    sync(sf)
    mark = ContactSyncSettings.objects.unscoped().get(connector=sf).high_water_mark
    assert mark is not None
    changed = sim_data.make_id("Contact", 5)
    sf_sim.update_contact(changed, LastName="Changed", Phone="602 000 111")
    added = sf_sim.add_contact(FirstName="New", LastName="Person", Phone="+420 777 123 456")
    sf_sim.requests.clear()
    job = sync(sf)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["mode"] == "incremental"
    assert job.result["fetched"] == 2 and job.result["upserted"] == 2
    assert "LastModifiedDate" in soql_requests(sf_sim)[0]
    contact = Contact.objects.unscoped().get(connector=sf, crm_id=changed)
    assert contact.last_name == "Changed" and contact.phones == ["+420602000111"]
    assert (
        Contact.objects.for_tenant(tenant).by_phone("777123456", "CZ").get().crm_id == added["Id"]
    )
    assert ContactSyncSettings.objects.unscoped().get(connector=sf).high_water_mark > mark


def test_deletes_reported_by_the_crm_are_removed(tenant, sf, sf_sim):
    sync(sf)
    gone = sim_data.make_id("Contact", 7)
    sf_sim.delete_contact(gone)
    job = sync(sf)
    assert job.result["deleted"] == 1
    assert not Contact.objects.unscoped().filter(connector=sf, crm_id=gone).exists()


def test_reconciliation_removes_contacts_the_crm_no_longer_lists(tenant, sf, sf_sim):
    sync(sf)
    merged_away = Contact.objects.unscoped().filter(connector=sf).first()
    merged_away.crm_id = "003MERGEDAWAY0000"  # a merge loser the CRM never reported
    merged_away.save()
    ContactSyncSettings.objects.unscoped().filter(connector=sf).update(
        last_reconciled_at=timezone.now() - timedelta(days=2)
    )
    job = sync(sf)
    assert job.result["reconciled"] is True and job.result["deleted"] == 1
    assert not Contact.objects.unscoped().filter(pk=merged_away.pk).exists()


def test_a_full_reimport_sweeps_contacts_not_seen(tenant, sf, sf_sim):
    sync(sf)
    stale = Contact.objects.unscoped().filter(connector=sf).first()
    stale.crm_id = "003NOLONGERTHERE0"
    stale.save()
    job = sync(sf, full=True)
    assert job.result["mode"] == "full" and job.result["deleted"] == 1
    assert Contact.objects.unscoped().filter(connector=sf).count() == job.done


def test_missing_crm_field_is_flagged_and_the_sync_still_runs(tenant, sf, sf_sim, monkeypatch):
    mapping = FieldMapping.objects.create(
        tenant=tenant, connector=sf, crm_field="Customer_Tier__c", cc_field="tier"
    )
    schema = [f for f in sim_data.SCHEMA["Contact"] if f["name"] != "Customer_Tier__c"]
    monkeypatch.setitem(sim_data.SCHEMA, "Contact", schema)
    job = sync(sf)
    assert job.status == JobStatus.SUCCEEDED, job.error
    mapping.refresh_from_db()
    assert mapping.missing_since is not None
    assert job.result["mapped_fields"] == []
    monkeypatch.undo()
    sync(sf)
    mapping.refresh_from_db()
    assert mapping.missing_since is None  # the field came back


def test_one_run_per_connector(tenant, sf, monkeypatch, django_capture_on_commit_callbacks):
    rung = []
    monkeypatch.setattr("contacts.tasks.run_contact_sync_task.delay", rung.append)
    with django_capture_on_commit_callbacks(execute=True):
        first, created = start_contact_sync(sf)
        second, created_again = start_contact_sync(sf)
    assert created and not created_again and first.pk == second.pk and rung == [first.pk]
    run_contact_sync(first.pk)
    first.refresh_from_db()
    assert first.status == JobStatus.SUCCEEDED
    third, created = start_contact_sync(sf)
    assert created and third.pk != first.pk


def test_a_job_is_claimed_once_and_a_lost_claim_stops_the_worker(tenant, sf):
    job = Job.objects.create(tenant=tenant, kind="contact_sync", connector=sf)
    claimed = claim_job(job.pk, "contact_sync")
    assert claimed is not None
    assert claim_job(job.pk, "contact_sync") is None  # a duplicate delivery does nothing
    run_contact_sync(job.pk)  # nor does running it
    assert Job.objects.unscoped().get(pk=job.pk).status == JobStatus.RUNNING
    Job.objects.unscoped().filter(pk=job.pk).update(
        status=JobStatus.QUEUED, started_at=None
    )  # swept
    with pytest.raises(LostClaim):
        heartbeat(claimed, 10)


def test_sweeper_requeues_stale_jobs_then_gives_up(
    tenant, sf, monkeypatch, django_capture_on_commit_callbacks
):
    rung = []
    monkeypatch.setattr("contacts.tasks.run_contact_sync_task.delay", rung.append)
    job = Job.objects.create(tenant=tenant, kind="contact_sync", connector=sf)
    for attempt in range(MAX_ATTEMPTS):
        claim_job(job.pk, "contact_sync")
        Job.objects.unscoped().filter(pk=job.pk).update(
            heartbeat_at=timezone.now() - timedelta(hours=1)
        )
        with django_capture_on_commit_callbacks(execute=True):
            result = sweep_stale_jobs()
        job.refresh_from_db()
        if attempt < MAX_ATTEMPTS - 1:
            assert result["requeued"] == 1 and job.status == JobStatus.QUEUED
        else:
            assert result["failed"] == 1 and job.status == JobStatus.FAILED
            assert "stopped responding" in job.error
    assert rung == [job.pk] * (MAX_ATTEMPTS - 1)


def test_schedule_starts_due_syncs_only(tenant, sf, monkeypatch):
    rung = []
    monkeypatch.setattr("contacts.tasks.run_contact_sync_task.delay", rung.append)
    monkeypatch.setattr(
        "contacts.sync.transaction.on_commit", lambda fn: fn()
    )  # ring at once inside the test transaction
    assert start_due_syncs() == 1  # a new authorized connector: its first import is due
    Job.objects.unscoped().update(status=JobStatus.SUCCEEDED)
    assert start_due_syncs() == 0  # next run planned interval_minutes later
    ContactSyncSettings.objects.unscoped().filter(connector=sf).update(next_run_at=timezone.now())
    assert start_due_syncs() == 1
    Job.objects.unscoped().update(status=JobStatus.SUCCEEDED)
    ContactSyncSettings.objects.unscoped().filter(connector=sf).update(
        next_run_at=None, enabled=False
    )
    assert start_due_syncs() == 0
    assert len(rung) == 2


def test_crm_failure_is_recorded_on_the_job(tenant, sf, sf_sim):
    sf_sim.fail_next(
        status=400,
        body=[{"errorCode": "MALFORMED_QUERY", "message": "bad"}],
        times=2,  # the progress count, then the import itself
        path="/query",
    )
    job = sync(sf)
    assert job.status == JobStatus.FAILED and "CRM error" in job.error
    assert ContactSyncSettings.objects.unscoped().get(connector=sf).high_water_mark is None
    job = sync(sf)  # the next run starts over, idempotently
    assert job.status == JobStatus.SUCCEEDED


@pytest.mark.postgres  # row locks; SQLite serialises writers by locking the whole file
@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_create_one_job(monkeypatch):
    """Two requests at the same moment (threads, own DB connections): the row lock on the
    connector's sync settings lets exactly one of them create the job."""
    import threading

    from django.db import connection

    from tests.conftest import make_tenant
    from tests.factories import make_connector

    monkeypatch.setattr("contacts.tasks.run_contact_sync_task.delay", lambda pk: None)
    account = make_connector(make_tenant("race"))
    barrier, results = threading.Barrier(4), []

    def start():
        try:
            barrier.wait()
            results.append(start_contact_sync(account))
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({job.pk for job, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Job.objects.unscoped().filter(connector=account).count() == 1
