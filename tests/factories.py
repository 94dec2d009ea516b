"""Small builders for rows used across test packages."""

from connectors.models import ConnectorAccount, ConnectorStatus
from connectors.services import save_account

SF_SETTINGS = {
    "instance_url": "https://acme.my.salesforce.com",
    "username": "api@acme.com",
    "client_id": "3MVG9-client",
}
SF_CREDENTIALS = {"password": "pw", "security_token": "tok", "client_secret": "shh"}


def make_connector(tenant, kind="salesforce", name=None, settings=None, credentials=None, **fields):
    account = ConnectorAccount(tenant=tenant, kind=kind)
    save_account(
        account,
        actor="test",
        name=name or f"{kind} {tenant.slug}",
        settings=settings if settings is not None else dict(SF_SETTINGS),
        credentials=credentials if credentials is not None else dict(SF_CREDENTIALS),
    )
    if fields:
        ConnectorAccount.objects.unscoped().filter(pk=account.pk).update(**fields)
        account.refresh_from_db()
    return account


def authorized_salesforce(tenant, sim, name="SF sim"):
    """A Salesforce account pointing at a running simulator, through Authorize (real HTTP)."""

    settings, credentials = sim.account_settings()
    account = make_connector(tenant, "salesforce", name, settings, credentials)
    account.connector.authorize()
    account.refresh_from_db()
    assert account.status == ConnectorStatus.AUTHORIZED, account.last_error
    return account
