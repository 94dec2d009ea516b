"""The same sync path against the other CRMs' simulators (over real HTTP)."""

import pytest

from connectors.models import ConnectorAccount
from connectors.services import save_account
from contacts.models import Contact
from contacts.sync import run_contact_sync, start_contact_sync
from jobs import runner
from jobs.models import JobStatus
from simulators.dynamics365 import Dynamics365Simulator
from simulators.retailcrm import RetailCRMSimulator
from simulators.sugarcrm import SugarCRMSimulator

pytestmark = pytest.mark.django_db


def import_from(tenant, kind, settings, credentials):
    account = save_account(
        ConnectorAccount(tenant=tenant, kind=kind),
        actor="test",
        name=kind,
        settings=settings,
        credentials=credentials,
    )
    account.connector.authorize()
    job, _ = start_contact_sync(account)
    run_contact_sync(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.done > 0 and Contact.objects.unscoped().filter(connector=account).count() == job.done
    assert Contact.objects.unscoped().filter(connector=account).exclude(phones=[]).exists()
    return account, job


def test_sugarcrm(tenant):

    sim = SugarCRMSimulator().start()
    try:
        _account, job = import_from(tenant, "sugarcrm", *SugarCRMSimulator.demo_account(sim.url))
        assert job.total == job.done  # SugarCRM counts up front: the bar has a total
    finally:
        sim.stop()


def test_retailcrm(tenant):

    sim = RetailCRMSimulator().start()
    try:
        import_from(tenant, "retailcrm", *RetailCRMSimulator.demo_account(sim.url))
    finally:
        sim.stop()


def test_dynamics365(tenant, monkeypatch):

    sim = Dynamics365Simulator().start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(sim.ca_file()))
    totals = []  # the total of every heartbeat: the first one is sent before any page
    beat = runner.heartbeat  # the one heartbeat every job runner calls

    def recording_heartbeat(job, done, total=None):
        totals.append(total)
        beat(job, done, total)

    monkeypatch.setattr(runner, "heartbeat", recording_heartbeat)
    try:
        _account, job = import_from(
            tenant, "dynamics365", sim.account_settings(), sim.account_credentials()
        )
    finally:
        sim.stop()
    # count_contacts ($count=true) gave the bar its total up front, not only at the end
    assert totals[0] == job.total == job.done == len(sim.tables["contacts"])
