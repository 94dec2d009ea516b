"""Fixtures of the connector tests: the Salesforce simulator shared by a module, reset per test."""

import pytest

from connectors.salesforce.connector import SalesforceConnector
from simulators.salesforce import SalesforceSimulator
from tests.factories import make_connector


@pytest.fixture(scope="module")
def sf_server():
    sim = SalesforceSimulator().start()
    yield sim
    sim.stop()


@pytest.fixture
def sf_sim(sf_server):
    """The module's running simulator, reset to its seed for each test."""
    sf_server.reset()
    return sf_server


@pytest.fixture
def sf_account(tenant, sf_sim):
    settings, credentials = sf_sim.account_settings()
    return make_connector(tenant, "salesforce", "SF sim", settings, credentials)


@pytest.fixture
def sf(sf_account):
    return SalesforceConnector(sf_account)
