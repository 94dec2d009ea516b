"""Push to Daktela V6 (its simulator over real HTTP): created then updated by a stable name,
custom fields per field mappings, errors inside a 2xx, auth failures, resume after failure."""

import pytest

from contacts.importer import delete_contacts
from contacts.models import Contact, ContactDeletion, FieldMapping
from contacts.push import run_contact_push, start_push
from contacts.sync import run_contact_sync, start_contact_sync
from jobs.models import Job, JobStatus
from platforms.daktela.client import DaktelaClient
from platforms.models import ContactCenterAccount
from simulators.daktela import DEMO_TOKEN
from simulators.salesforce import data as sim_data
from tests.contacts.helpers import make_cc_account, make_contact

pytestmark = pytest.mark.django_db


def push(tenant) -> Job:
    job, _ = start_push(tenant.pk)
    run_contact_push(job.pk)
    job.refresh_from_db()
    return job


def test_sync_then_push_creates_and_updates_contacts(tenant, sf, sf_sim, daktela_sim, settings):
    # Salesforce stamps whole seconds: the rename below may share the first sync's second,
    # which an incremental read without overlap would miss (production keeps an overlap).
    settings.CONTACT_SYNC_OVERLAP_SECONDS = 2
    make_cc_account(tenant, url=daktela_sim.url, token=DEMO_TOKEN)
    FieldMapping.objects.create(
        tenant=tenant, connector=sf, crm_field="Customer_Tier__c", cc_field="tier"
    )
    sf_sim.update_contact(sim_data.make_id("Contact", 1), Customer_Tier__c="Gold")
    job, _ = start_contact_sync(sf)
    run_contact_sync(job.pk)  # finishing the sync starts a push job
    push_job = Job.objects.unscoped().get(kind="contact_push")
    run_contact_push(push_job.pk)
    push_job.refresh_from_db()
    total = Contact.objects.for_tenant(tenant).count()
    assert push_job.status == JobStatus.SUCCEEDED, push_job.error
    assert push_job.result["created"] == total == len(daktela_sim.contacts) == push_job.done
    first = daktela_sim.contacts[f"crm{sf.pk}_{sim_data.make_id('Contact', 1)}"]
    assert first["number"] == "+420773794804" and first["customFields"]["tier"] == ["Gold"]
    assert not Contact.objects.unscoped().filter(pushed_at__isnull=True).exists()

    sf_sim.update_contact(sim_data.make_id("Contact", 1), LastName="Renamed")
    job, _ = start_contact_sync(sf)
    run_contact_sync(job.pk)
    second = Job.objects.unscoped().filter(kind="contact_push").first()
    run_contact_push(second.pk)
    second.refresh_from_db()
    assert second.result["updated"] == 1 and second.result["created"] == 0
    assert (
        daktela_sim.contacts[f"crm{sf.pk}_{sim_data.make_id('Contact', 1)}"]["lastname"]
        == "Renamed"
    )


def test_error_inside_a_2xx_rejects_that_contact_only(tenant, daktela_sim):
    make_cc_account(tenant, url=daktela_sim.url, token=DEMO_TOKEN)
    make_contact(tenant, crm_id="A", first_name="Ann")
    make_contact(tenant, crm_id="B", first_name="Bob")
    daktela_sim.fail_next(status=200, body={"error": {"title": ["Too long"]}, "result": None})
    job = push(tenant)
    assert job.status == JobStatus.SUCCEEDED
    assert job.result["rejected"] == 1 and job.result["created"] == 1
    assert "Too long" in job.result["rejected_examples"][0]


def test_bad_token_fails_the_job_and_keeps_contacts_pending(tenant, daktela_sim):
    account = make_cc_account(tenant, url=daktela_sim.url, token="wrong")
    make_contact(tenant, crm_id="A")
    job = push(tenant)
    assert job.status == JobStatus.FAILED and "access token" in job.error
    account.refresh_from_db()
    assert "access token" in account.last_error
    assert Contact.objects.unscoped().filter(pushed_at__isnull=True).count() == 1
    account.credentials = {"access_token": DEMO_TOKEN}
    account.save()
    assert push(tenant).status == JobStatus.SUCCEEDED  # resumes with what was pending
    assert len(daktela_sim.contacts) == 1


def test_transient_failure_stops_and_the_next_push_resumes(tenant, daktela_sim, settings):
    settings.HTTP_RETRIES = 0
    make_cc_account(tenant, url=daktela_sim.url, token=DEMO_TOKEN)
    for crm_id in "ABC":
        make_contact(tenant, crm_id=crm_id)
    daktela_sim.fail_next(status=503, times=1)
    job = push(tenant)
    assert job.status == JobStatus.FAILED
    assert push(tenant).status == JobStatus.SUCCEEDED
    assert len(daktela_sim.contacts) == 3


def test_contacts_deleted_in_the_crm_are_deleted_in_the_contact_center(
    tenant, sf, sf_sim, daktela_sim
):
    make_cc_account(tenant, url=daktela_sim.url, token=DEMO_TOKEN)
    job, _ = start_contact_sync(sf)
    run_contact_sync(job.pk)
    run_contact_push(Job.objects.unscoped().get(kind="contact_push").pk)
    gone_id = sim_data.make_id("Contact", 2)
    assert f"crm{sf.pk}_{gone_id}" in daktela_sim.contacts
    before = len(daktela_sim.contacts)

    sf_sim.delete_contact(gone_id)
    job, _ = start_contact_sync(sf)
    run_contact_sync(job.pk)  # the incremental sync sees the delete and starts a push
    assert ContactDeletion.objects.filter(tenant=tenant, crm_id=gone_id).count() == 1
    push_job = Job.objects.unscoped().filter(kind="contact_push").first()
    run_contact_push(push_job.pk)
    push_job.refresh_from_db()
    assert push_job.status == JobStatus.SUCCEEDED, push_job.error
    assert push_job.result["deleted"] == 1 and push_job.result["created"] == 0
    assert f"crm{sf.pk}_{gone_id}" not in daktela_sim.contacts
    assert len(daktela_sim.contacts) == before - 1
    assert not ContactDeletion.objects.unscoped().exists()


def test_deletion_of_a_contact_that_came_back_or_was_never_pushed(tenant, daktela_sim):
    make_cc_account(tenant, url=daktela_sim.url, token=DEMO_TOKEN)
    back = make_contact(tenant, crm_id="BACK", first_name="Old")
    never = make_contact(tenant, crm_id="NEVER")
    assert push(tenant).result["created"] == 2
    delete_contacts(Contact.objects.unscoped().filter(pk__in=[back.pk, never.pk]))
    daktela_sim.contacts.pop(f"crm{never.connector_id}_NEVER")  # gone there already: a 404
    make_contact(tenant, connector=back.connector, crm_id="BACK", first_name="New")

    job = push(tenant)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["deleted"] == 0 and job.result["updated"] == 1
    assert daktela_sim.contacts[f"crm{back.connector_id}_BACK"]["firstname"] == "New"
    assert not ContactDeletion.objects.unscoped().exists()


def test_a_failed_delete_stays_for_the_next_push(tenant, daktela_sim, settings):
    settings.HTTP_RETRIES = 0
    make_cc_account(tenant, url=daktela_sim.url, token=DEMO_TOKEN)
    contact = make_contact(tenant, crm_id="A")
    push(tenant)
    delete_contacts(Contact.objects.unscoped().filter(pk=contact.pk))
    daktela_sim.fail_next(status=503, times=1)
    assert push(tenant).status == JobStatus.FAILED
    assert ContactDeletion.objects.unscoped().count() == 1
    assert push(tenant).result["deleted"] == 1
    assert daktela_sim.contacts == {}


def test_no_deletion_rows_without_a_contact_center(tenant):
    contact = make_contact(tenant, crm_id="A")
    assert delete_contacts(Contact.objects.unscoped().filter(pk=contact.pk)) == 1
    assert not ContactDeletion.objects.unscoped().exists()


def test_removing_the_last_contact_center_drops_its_pending_deletes(tenant, member_client):
    first = make_cc_account(tenant, url="https://a.daktela.test", token="t")
    second = ContactCenterAccount.objects.create(tenant=tenant, name="B", url="https://b.test")
    delete_contacts(Contact.objects.unscoped().filter(pk=make_contact(tenant, crm_id="A").pk))
    assert (
        member_client.post(
            f"/contacts/contact-center/{first.pk}/delete/", {"confirmed": "yes"}
        ).status_code
        == 302
    )
    assert ContactDeletion.objects.unscoped().count() == 1  # the other account still gets it
    assert (
        member_client.post(
            f"/contacts/contact-center/{second.pk}/delete/", {"confirmed": "yes"}
        ).status_code
        == 302
    )
    assert (
        not ContactCenterAccount.objects.unscoped().exists()
        and not ContactDeletion.objects.unscoped().exists()
    )


def test_no_account_no_push(tenant):
    assert start_push(tenant.pk) == (None, False)
    ContactCenterAccount.objects.create(tenant=tenant, name="off", url="https://x", enabled=False)
    assert start_push(tenant.pk) == (None, False)


def test_client_whoami_and_users(daktela_sim):
    client = DaktelaClient(daktela_sim.url, DEMO_TOKEN)
    assert client.whoami()["user"]["name"] == "api"
    assert {u["name"] for u in client.list_users()} >= {"jdoe", "asmith"}
    # ?accessToken= is accepted too (systems that cannot set headers)
    import requests

    r = requests.get(
        f"{daktela_sim.url}/api/v6/whoim.json", params={"accessToken": DEMO_TOKEN}, timeout=5
    )
    assert r.status_code == 200 and r.json()["error"] == []
