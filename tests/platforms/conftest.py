import pytest

from platforms.models import ContactCenterAccount
from simulators.daktela import DEMO_TOKEN
from simulators.uis import UisSimulator
from tests.calls.conftest import run_on_commit  # noqa: F401  (the fixture)
from tests.platforms.helpers import make_uis_account


@pytest.fixture
def daktela(tenant, daktela_sim):
    """The tenant's Daktela account pointing at the simulator."""
    account = ContactCenterAccount(tenant=tenant, name="Daktela sim", url=daktela_sim.url)
    account.credentials = {"access_token": DEMO_TOKEN}
    account.save()
    return account


@pytest.fixture
def uis_sim(start_simulator):
    return start_simulator(UisSimulator)


@pytest.fixture
def uis_account(tenant, uis_sim):
    return make_uis_account(tenant, uis_sim.url)
