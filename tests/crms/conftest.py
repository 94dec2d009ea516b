"""One authorized connector of each CRM kind against its simulator, over real HTTP (issue 14)."""

import pytest
from django.utils import timezone

from calls import tasks
from connectors.models import ConnectorAccount
from connectors.services import save_account
from delivery.models import SyncRecord
from simulators.dynamics365 import Dynamics365Simulator
from simulators.retailcrm import RetailCRMSimulator
from simulators.salesforce import SalesforceSimulator
from simulators.sugarcrm import SugarCRMSimulator
from tests.calls.conftest import run_on_commit  # noqa: F401 (fixture)

KINDS = ["salesforce", "dynamics365", "sugarcrm", "retailcrm"]
SIMULATORS = {
    "salesforce": (SalesforceSimulator, lambda sim: sim.account_settings()),
    "dynamics365": (
        Dynamics365Simulator,
        lambda sim: (sim.account_settings(), sim.account_credentials()),
    ),
    "sugarcrm": (SugarCRMSimulator, lambda sim: SugarCRMSimulator.demo_account(sim.url)),
    "retailcrm": (RetailCRMSimulator, lambda sim: RetailCRMSimulator.demo_account(sim.url)),
}


def authorized(kind, tenant, start_simulator, monkeypatch):
    """(simulator, authorized connector account) of `kind`, over real HTTP."""
    sim_class, account_of = SIMULATORS[kind]
    sim = start_simulator(sim_class)
    if kind == "dynamics365":
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(sim.ca_file()))
    settings, credentials = account_of(sim)
    account = save_account(
        ConnectorAccount(tenant=tenant, kind=kind),
        actor="test",
        name=f"{kind} org",
        settings=settings,
        credentials=credentials,
    )
    account.connector.authorize()
    return sim, account


@pytest.fixture
def crm(request, tenant, start_simulator, monkeypatch):
    """(simulator, authorized connector account) of the parametrized kind."""
    return authorized(request.param, tenant, start_simulator, monkeypatch)


@pytest.fixture
def deliver(tenant, django_capture_on_commit_callbacks):
    """Sweep until nothing is due (doorbells that arrived before their rows committed)."""

    def run(rounds: int = 3):
        for _ in range(rounds):
            rows = SyncRecord.objects.for_tenant(tenant).filter(state__in=("pending", "failed"))
            if not rows.exists():
                return
            rows.update(next_attempt_at=timezone.now())
            with django_capture_on_commit_callbacks(execute=True):
                tasks.sweep()

    return run
