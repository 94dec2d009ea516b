import pytest

from simulators.uis import UisSimulator
from tests.platforms.helpers import make_uis_account


@pytest.fixture
def uis_sim(start_simulator):
    return start_simulator(UisSimulator)


@pytest.fixture
def uis_account(tenant, uis_sim):
    return make_uis_account(tenant, uis_sim.url)
