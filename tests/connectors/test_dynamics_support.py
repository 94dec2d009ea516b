"""Fixtures for the Dynamics 365 tests: a fresh HTTPS simulator and a connector trusting its CA.

Other test packages can copy this pattern: hand the connector `sim.session()` (a
requests.Session whose `verify` is the simulator's CA file); the connector passes `verify`
explicitly per request, so a global REQUESTS_CA_BUNDLE cannot override it.
"""

import pytest

from connectors.dynamics365.connector import Dynamics365Connector
from simulators.dynamics365 import Dynamics365Simulator
from tests.factories import make_connector


@pytest.fixture(scope="module")
def _running_sim():
    simulator = Dynamics365Simulator().start()
    yield simulator
    simulator.stop()


@pytest.fixture
def sim(_running_sim):
    """The module's simulator with fresh data, tokens and knobs for every test."""
    _running_sim.reset()
    return _running_sim


def make_account(tenant, sim, name="Dynamics", settings=None, credentials=None):
    return make_connector(
        tenant,
        kind="dynamics365",
        name=name,
        settings={**sim.account_settings(), **(settings or {})},
        credentials=credentials if credentials is not None else sim.account_credentials(),
    )


def connector_for(account, sim) -> Dynamics365Connector:
    return Dynamics365Connector(account, session=sim.session())


@pytest.fixture
def account(tenant, sim):
    return make_account(tenant, sim)


@pytest.fixture
def dyn(account, sim):
    """An authorized connector pointed at the simulator."""
    connector = connector_for(account, sim)
    connector.authorize()
    return connector
