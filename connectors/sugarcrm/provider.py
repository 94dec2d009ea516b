"""SugarCRM as data: what it is and what it can do (the per-instance code is connector.py)."""

from connectors.base import Provider
from connectors.capabilities import Capability
from connectors.sugarcrm import records
from connectors.sugarcrm.connector import SugarCRMConnector
from connectors.sugarcrm.forms import SugarCRMForm
from connectors.types import CONTACT, INTERACTION_CHANNELS, LEAD

PROVIDER = Provider(
    kind="sugarcrm",
    label="SugarCRM",
    description=(
        "SugarCRM REST v11: contacts, leads and accounts imported and matched, Calls logged "
        "and updated, emails, chats and SMS logged, Cases opened by triggers."
    ),
    installation_class=SugarCRMConnector,
    form_class=SugarCRMForm,
    guide_template="connectors/guides/sugarcrm.html",
    login_hint=(
        "Check the User name, Password and Platform in the settings (the user must be "
        "allowed to log in through the REST API), then click Authorize again."
    ),
    ticket_label="Case",
    batch_size=50,
    contact_object="Contact",
    record_objects=records.OBJECTS,
    creatable_types=(CONTACT, LEAD),
    interaction_channels=INTERACTION_CHANNELS,  # email: Emails; chat, SMS: Notes
    # list_queues answers [] (Sugar has no call queues): QUEUES is not declared.
    capabilities=frozenset(
        {
            Capability.CONTACTS,
            Capability.COUNTS,
            Capability.USERS,
            Capability.CALL_LOG,
            Capability.TICKETS,
            Capability.CALLBACKS,
            Capability.CREATE_RECORDS,
            Capability.INTERACTIONS,
            Capability.CALL_UPDATES,
            Capability.FIND_CALLS,
            Capability.TICKET_COMPLETION,
        }
    ),
)
