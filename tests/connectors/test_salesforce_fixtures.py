"""Fixtures for the Salesforce tests (imported by the other test_salesforce_* modules)."""

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


def test_simulator_serves_its_seed(sf_sim):
    assert len(sf_sim.users) >= 10 and all(u["Email"] for u in sf_sim.users)
    assert {q["Name"] for q in sf_sim.queues} == {"Support", "Sales", "Billing"}
    assert len(sf_sim.contacts) == 50
