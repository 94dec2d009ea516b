"""The explicit registry of CRM providers: kind -> (label, dotted path of its Provider).

Adding a CRM: copy the nearest package (client.py, connector.py, provider.py, forms.py), then
add one line here. Providers are imported on first use, so this module imports no connector
package (models.py reads KIND_CHOICES from it while the app registry loads).
"""

from functools import cache
from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

from portal import logcontext

if TYPE_CHECKING:  # typing only: base.py imports the models, which import this module
    from connectors.base import Installation, Provider

PROVIDERS: dict[str, tuple[str, str]] = {
    "salesforce": ("Salesforce", "connectors.salesforce.provider.PROVIDER"),
    "dynamics365": ("Microsoft Dynamics 365", "connectors.dynamics365.provider.PROVIDER"),
    "sugarcrm": ("SugarCRM", "connectors.sugarcrm.provider.PROVIDER"),
    "retailcrm": ("retailCRM", "connectors.retailcrm.provider.PROVIDER"),
}

KIND_CHOICES = [(kind, label) for kind, (label, _path) in PROVIDERS.items()]


def label(kind: str) -> str:
    """The kind's display name, without importing its package."""
    return PROVIDERS[kind][0] if kind in PROVIDERS else kind


@cache
def provider(kind: str) -> "Provider":
    """The Provider (static facts and capabilities) of one kind; LookupError when unknown."""
    try:
        return import_string(PROVIDERS[kind][1])
    except KeyError:
        raise LookupError(f"Unknown connector kind {kind!r}") from None


def connector_for(account, **kwargs) -> "Installation":
    """The installation (the per-account connector object) for one configured account."""
    logcontext.bind_connector(account)  # the unit of work's log lines (and CRM metrics) name it
    return provider(account.kind).installation(account, **kwargs)
