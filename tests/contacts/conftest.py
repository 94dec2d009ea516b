"""Fixtures of the contacts tests: Salesforce over real HTTP (daktela_sim: tests/conftest.py)."""

import pytest

from connectors.models import ConnectorAccount
from connectors.services import save_account
from simulators.salesforce import SalesforceSimulator


@pytest.fixture
def sf_sim(start_simulator):
    """Salesforce with small pages, so the contact sync pages (start_simulator: tests/conftest.py)."""
    return start_simulator(SalesforceSimulator, page_size=20)


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


@pytest.fixture(autouse=True)
def _contacts_settings(settings):
    settings.CONTACT_SYNC_OVERLAP_SECONDS = 0  # incremental tests count exactly what changed
