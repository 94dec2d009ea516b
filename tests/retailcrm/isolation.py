"""Isolation case for the retailCRM click-to-call route.

The route is authenticated by the module's clientId, not an API key; the harness proves that
another tenant's API key (or no credential at all) gets the same 404 as a missing id.
"""

from simulators.retailcrm import RetailCRMSimulator
from tests.factories import make_connector


def make_retailcrm(tenant, **fields):
    settings, credentials = RetailCRMSimulator.demo_account("https://shop.retailcrm.example")
    account = make_connector(
        tenant,
        kind="retailcrm",
        settings={**settings, "click_to_call_url": "https://pbx.example/call"},
        credentials=credentials,
        **fields,
    )
    account.credentials = {**account.credentials, "module_client_id": "secret-client-id"}
    account.save()
    return account


CASES = {
    "retailcrm-make-call": lambda t: {"connector_id": make_retailcrm(t).pk},
}
