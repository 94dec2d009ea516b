"""The contact sync engine imports from both simulators (full, then incremental)."""

import time

import pytest

from contacts.models import Contact
from contacts.sync import run_contact_sync, start_contact_sync
from jobs.models import Job
from portal import http
from simulators.retailcrm import RetailCRMSimulator
from simulators.sugarcrm import SugarCRMSimulator
from tests.factories import make_connector


@pytest.fixture(params=[SugarCRMSimulator, RetailCRMSimulator], ids=["sugarcrm", "retailcrm"])
def synced(request, tenant):
    sim = request.param().start()
    settings, credentials = request.param.demo_account(sim.url)
    account = make_connector(tenant, kind=sim.name, settings=settings, credentials=credentials)
    account.connector.authorize()
    yield sim, account
    http.default_session().close()
    sim.stop()


def sync(account) -> Job:
    job, _created = start_contact_sync(account)
    run_contact_sync(job.pk)
    job.refresh_from_db()
    assert not job.error, job.error
    return job


def test_full_then_incremental_import(synced, tenant):
    sim, account = synced
    sync(account)
    contacts = Contact.objects.for_tenant(tenant).filter(connector=account)
    assert contacts.count() == 12
    jana = contacts.by_phone("773 794 804", "CZ").get()
    assert (jana.first_name, jana.last_name) == ("Jana", "Novakova")
    assert jana.crm_url
    if sim.name == "sugarcrm":
        record = next(r for r in sim.records["Contacts"].values() if r["last_name"] == "Dvorakova")
        record.update(
            last_name="Dvorakova-Nova",
            date_modified=time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        )
        job = sync(account)
        assert (
            job.result["mode"] == "incremental" and job.result["fetched"] == 2
        )  # + the one at the old mark (overlap)
        assert contacts.filter(last_name="Dvorakova-Nova").exists()
    if sim.name == "retailcrm":
        sim.update_customer(103, lastName="Dvorakova-Nova")
        sim.delete_customer(105)
        sync(account)
        assert contacts.filter(last_name="Dvorakova-Nova").exists()
        assert contacts.count() == 11 and job_mode(account) == "incremental"


def job_mode(account) -> str:
    return Job.objects.unscoped().filter(connector=account).order_by("-pk").first().result["mode"]
