import pytest

from platforms.models import ContactCenterAccount
from simulators.daktela import DEMO_TOKEN
from tests.calls.conftest import run_on_commit  # noqa: F401  (the fixture)


@pytest.fixture
def daktela(tenant, daktela_sim):
    """The tenant's Daktela account pointing at the simulator."""
    account = ContactCenterAccount(tenant=tenant, name="Daktela sim", url=daktela_sim.url)
    account.credentials = {"access_token": DEMO_TOKEN}
    account.save()
    return account
