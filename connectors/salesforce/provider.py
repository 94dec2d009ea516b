"""Salesforce as data: what it is and what it can do (the per-org code is connector.py)."""

from connectors.base import Provider
from connectors.capabilities import Capability
from connectors.salesforce import records
from connectors.salesforce.connector import BATCH_SIZE, SalesforceConnector
from connectors.salesforce.forms import SalesforceForm
from connectors.salesforce.records import PHONES_PER_SEARCH
from connectors.types import CHAT, CONTACT, EMAIL, LEAD, SMS

PROVIDER = Provider(
    kind="salesforce",
    label="Salesforce",
    description=(
        "Salesforce CRM: contacts, leads and accounts (person accounts too) imported and "
        "matched, calls, emails, chats and SMS logged as Tasks (updated by later data), Cases opened by triggers."
    ),
    installation_class=SalesforceConnector,
    form_class=SalesforceForm,
    guide_template="connectors/guides/salesforce.html",
    login_hint=(
        "Check the User name, Password and Security token (a new token is e-mailed after a "
        "password change) and the connected app's Client ID and Client secret, then click Authorize "
        "again."
    ),
    ticket_label="Case",
    batch_size=BATCH_SIZE,
    phone_search_batch=PHONES_PER_SEARCH,
    contact_object="Contact",
    record_objects=records.OBJECTS,
    creatable_types=(CONTACT, LEAD),
    interaction_channels=(EMAIL, CHAT, SMS),
    capabilities=frozenset(
        {
            Capability.CONTACTS,
            Capability.COUNTS,
            Capability.USERS,
            Capability.QUEUES,
            Capability.CALL_LOG,
            Capability.TICKETS,
            Capability.CALLBACKS,
            Capability.CREATE_RECORDS,
            Capability.WEB_FLOW,
            Capability.INTERACTIONS,
            Capability.CALL_UPDATES,
            Capability.FIND_CALLS,
            Capability.TICKET_COMPLETION,
        }
    ),
)
