"""Fixtures of the contacts tests: the Salesforce and Daktela simulators over real HTTP."""

import pytest

from connectors.models import ConnectorAccount
from connectors.services import save_account


@pytest.fixture
def sf_sim():
    from simulators.salesforce import SalesforceSimulator

    sim = SalesforceSimulator(page_size=20).start()
    yield sim
    sim.stop()


def sf_account(tenant, sim, name="Salesforce sim") -> ConnectorAccount:
    settings, credentials = sim.account_settings()
    account = save_account(
        ConnectorAccount(tenant=tenant, kind="salesforce"),
        actor="test",
        name=name,
        settings=settings,
        credentials=credentials,
    )
    account.connector.authorize()
    return account


@pytest.fixture
def sf(tenant, sf_sim):
    return sf_account(tenant, sf_sim)


@pytest.fixture
def daktela_sim():
    from simulators.daktela import DaktelaSimulator

    sim = DaktelaSimulator().start()
    yield sim
    sim.stop()


@pytest.fixture(autouse=True)
def _contacts_settings(settings):
    settings.CONTACT_SYNC_OVERLAP_SECONDS = 0  # incremental tests count exactly what changed
