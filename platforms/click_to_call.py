"""Click-to-call through the tenant's contact-center platform (Daktela, UIS).

A CRM (retailCRM's makeCallUrl) or the widget's call link asks for a call; the tenant's
enabled platform account that can place calls (base.CLICK_TO_CALL) places it for the agent.
"""

from connectors.errors import ConnectorError
from platforms import base
from platforms.models import ContactCenterAccount
from platforms.registry import platform_class, platform_for
from platforms.types import CallRequest


class NoPlatform(ConnectorError):
    """The tenant has no enabled contact-center account that can place calls."""

    def __init__(self):
        super().__init__(
            "No contact-center platform places calls for this tenant: add a Daktela or UIS "
            "account under Contact center (and enable it) first.",
            permanent=True,
        )


def platform_accounts(tenant):
    """The tenant's enabled accounts whose platform can place calls, oldest first."""
    accounts = ContactCenterAccount.objects.for_tenant(tenant).filter(enabled=True)
    return [a for a in accounts.order_by("pk") if platform_class(a.kind).can(base.CLICK_TO_CALL)]


def place_call(tenant, request: CallRequest, session=None) -> tuple[ContactCenterAccount, str]:
    """Place the call through the first capable platform; (its account, the platform's call id).

    Raises NoPlatform, or the platform's ConnectorError (its message says what to fix)."""
    accounts = platform_accounts(tenant)
    if not accounts:
        raise NoPlatform()
    account = accounts[0]
    return account, platform_for(account, session=session).place_call(request)
