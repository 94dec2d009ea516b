"""Dynamics 365 as data: what it is and what it can do (the per-environment code is
connector.py and writes.py)."""

from connectors.base import Provider
from connectors.capabilities import Capability
from connectors.dynamics365.connector import Dynamics365Connector
from connectors.dynamics365.forms import Dynamics365Form
from connectors.dynamics365.writes import BATCH_SIZE

PROVIDER = Provider(
    kind="dynamics365",
    label="Microsoft Dynamics 365",
    description=(
        "Dynamics 365 / Dataverse: contacts, open leads and accounts imported and matched, "
        "contacts and leads created for unknown callers, phone calls (updated by later data), "
        "emails, chats and SMS logged, "
        "incidents opened by triggers."
    ),
    installation_class=Dynamics365Connector,
    form_class=Dynamics365Form,
    guide_template="connectors/guides/dynamics365.html",
    login_hint=(
        "Check the Application (client) ID, Directory (tenant) ID and Application "
        "secret of the app registration, then click Authorize again."
    ),
    user_id_pattern=r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}",
    user_id_help="a systemuser id: a GUID like 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    ticket_label="incident",
    batch_size=BATCH_SIZE,
    contact_object="contact",  # Dataverse logical names are lower case
    record_objects=(("contact", "contact"), ("lead", "lead"), ("account", "account")),
    creatable_types=("contact", "lead"),
    interaction_channels=("email", "chat", "sms"),
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
            Capability.INTERACTIONS,
            Capability.CALL_UPDATES,
            Capability.FIND_CALLS,
            Capability.TICKET_COMPLETION,
        }
    ),
)
