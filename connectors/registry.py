"""The explicit registry of CRM connectors: kind -> (label, dotted path of the Connector class).

Adding a CRM: copy the nearest package (client.py, connector.py, forms.py, simulator.py), then
add one line here.
"""

from functools import cache

from django.utils.module_loading import import_string

CONNECTORS: dict[str, tuple[str, str]] = {
    "salesforce": ("Salesforce", "connectors.salesforce.connector.SalesforceConnector"),
    "dynamics365": (
        "Microsoft Dynamics 365",
        "connectors.dynamics365.connector.Dynamics365Connector",
    ),
    "sugarcrm": ("SugarCRM", "connectors.sugarcrm.connector.SugarCRMConnector"),
    "retailcrm": ("retailCRM", "connectors.retailcrm.connector.RetailCRMConnector"),
}

KIND_CHOICES = [(kind, label) for kind, (label, _path) in CONNECTORS.items()]


@cache
def connector_class(kind: str):
    try:
        return import_string(CONNECTORS[kind][1])
    except KeyError:
        raise LookupError(f"Unknown connector kind {kind!r}") from None


def connector_for(account, **kwargs):
    """The Connector (installation) object for one configured account."""
    return connector_class(account.kind)(account, **kwargs)
