"""What a CRM can do, as data: each provider declares a frozenset of Capability.

Callers ask `provider.can(Capability.X)` (or `require(account, Capability.X)` in an API view)
instead of probing a connector with getattr: an action the CRM cannot do is refused up front,
with a clear 409 `not_supported` over the API and a message on the page, never an
AttributeError. METHODS names the Installation methods that back each capability;
tests/connectors/test_capabilities.py checks every provider implements what it declares.
"""

from enum import StrEnum

from connectors import registry
from portal.api import ApiError


class Capability(StrEnum):
    CONTACTS = "contacts"  # contacts imported, searched by phone, field metadata read
    COUNTS = "counts"  # how many contacts an import will read (the progress bar's total)
    USERS = "users"  # CRM users listed (agents matched to them)
    QUEUES = "queues"  # CRM queues listed (callback profiles put records in one)
    CALL_LOG = "call_log"  # calls logged as CRM activities (call sync settings apply)
    TICKETS = "tickets"  # tickets (Case, incident, task) opened by triggers
    CALLBACKS = "callbacks"  # callback requests written as planned phone calls
    LIVE_CALL_EVENTS = "live_call_events"  # ringing/ended events pushed to the CRM (screen pop)
    CLICK_TO_CALL = "click_to_call"  # the CRM asks us to start a call (retailCRM makeCallUrl)
    CREATE_RECORDS = "create_records"  # contacts / leads created for unknown callers
    WEB_FLOW = "web_flow"  # OAuth authorization-code flow (the admin logs in on the CRM's page)
    INTERACTIONS = "interactions"  # email / chat / SMS logged (provider.interaction_channels)
    CALL_UPDATES = "call_updates"  # a logged call is updated in place by a later send (wrap-up)
    FIND_CALLS = "find_calls"  # existing CRM calls searched by number (start-margin duplicates)
    TICKET_COMPLETION = "ticket_completion"  # a ticket opened during a call is completed after

    @property
    def label(self) -> str:
        return LABELS[self]


# In words, as in "<CRM> has no <label>." and in the list on each Integrations card.
LABELS = {
    Capability.CONTACTS: "contact import",
    Capability.COUNTS: "import totals",
    Capability.USERS: "user list",
    Capability.QUEUES: "queues",
    Capability.CALL_LOG: "call logging",
    Capability.TICKETS: "tickets",
    Capability.CALLBACKS: "callback calls",
    Capability.LIVE_CALL_EVENTS: "live call events",
    Capability.CLICK_TO_CALL: "click-to-call",
    Capability.CREATE_RECORDS: "record creation",
    Capability.WEB_FLOW: "web login flow",
    Capability.INTERACTIONS: "email, chat and SMS logging",
    Capability.CALL_UPDATES: "updates of logged calls",
    Capability.FIND_CALLS: "search of existing calls",
    Capability.TICKET_COMPLETION: "ticket completion",
}

# The Installation methods a provider declaring the capability implements (overrides).
METHODS: dict[Capability, tuple[str, ...]] = {
    Capability.CONTACTS: (
        "describe_fields",
        "iter_contacts",
        "iter_contact_ids",
        "find_contacts_by_phone",
    ),
    Capability.COUNTS: ("count_contacts",),
    Capability.USERS: ("list_users",),
    Capability.QUEUES: ("list_queues",),
    Capability.CALL_LOG: ("log_calls",),
    Capability.TICKETS: ("create_ticket",),
    Capability.CALLBACKS: ("log_calls",),
    Capability.LIVE_CALL_EVENTS: ("send_call_event",),
    Capability.CLICK_TO_CALL: ("make_call_url",),
    Capability.CREATE_RECORDS: ("create_record",),
    Capability.WEB_FLOW: ("authorization_url", "exchange_code"),
    Capability.INTERACTIONS: ("log_interactions",),
    Capability.CALL_UPDATES: ("log_calls",),
    Capability.FIND_CALLS: ("find_calls",),
    Capability.TICKET_COMPLETION: ("complete_ticket",),
}


class NotSupported(ApiError):
    """409 `not_supported`: this connector's CRM cannot do the action (API.md error format)."""

    def __init__(self, message: str):
        super().__init__(409, "not_supported", message)


def refusal(kind: str, capability: Capability) -> str:
    """The sentence an admin reads when a CRM lacks a capability."""
    return f"{registry.label(kind)} has no {capability.label}."


def require(account, capability: Capability):
    """The account, if its CRM can do `capability`; else raise NotSupported (a 409)."""
    if not registry.provider(account.kind).can(capability):
        raise NotSupported(f"{account.name}: {refusal(account.kind, capability)}")
    return account


def kinds_with(capability: Capability) -> list[str]:
    """The registered kinds whose provider declares `capability` (unimportable kinds skipped)."""
    found = []
    for kind in registry.PROVIDERS:
        try:
            if registry.provider(kind).can(capability):
                found.append(kind)
        except ImportError:
            continue
    return found
