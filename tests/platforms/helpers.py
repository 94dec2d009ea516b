"""Shared helpers of the platform tests: a UIS account pointing at a running simulator."""

from platforms.models import ContactCenterAccount
from simulators.uis import DEMO_CALL_KEY, DEMO_TOKEN, VIRTUAL_NUMBER


def make_uis_account(tenant, url="http://127.0.0.1:9", token=DEMO_TOKEN, **fields):
    account = ContactCenterAccount(
        tenant=tenant,
        kind="uis",
        name=fields.pop("name", f"UIS {tenant.slug}"),
        url=f"{url}/v2.0",
        settings={
            "data_api_url": f"{url}/v2.0",
            "call_api_url": f"{url}/v4.0",
            "virtual_phone_number": VIRTUAL_NUMBER,
        },
        **fields,
    )
    account.credentials = {"access_token": token, "call_api_key": DEMO_CALL_KEY}
    account.save()
    return account
