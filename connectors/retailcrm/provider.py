"""retailCRM as data: what it is and what it can do (the per-account code is connector.py
and telephony.py)."""

from connectors.base import Provider
from connectors.capabilities import Capability
from connectors.retailcrm.connector import RetailCRMConnector
from connectors.retailcrm.forms import RetailCRMForm

PROVIDER = Provider(
    kind="retailcrm",
    label="retailCRM",
    description=(
        "retailCRM telephony: screen pop on ringing, calls uploaded (missed too), click-to-call; "
        "customers and corporate customers imported and matched, customers created for "
        "unknown callers."
    ),
    installation_class=RetailCRMConnector,
    form_class=RetailCRMForm,
    guide_template="connectors/guides/retailcrm.html",
    login_hint=(
        "Check the API key (retailCRM: Administration > Integration > API access keys; "
        "it needs the telephony and customers methods), then click Authorize again."
    ),
    ticket_label="task",
    deactivate_by_hand="Switch the module off in retailCRM under Administration > Integration",
    batch_size=50,
    contact_object="Contact",
    # retailCRM has no leads: its customers are contacts, its corporate customers accounts.
    record_objects=(("contact", "customer"), ("account", "customer_corporate")),
    creatable_types=("contact",),
    # telephony/calls/upload keeps the first upload of an externalId (later ones come back in
    # `duplicateCalls`, unchanged) and the API lists no calls: no CALL_UPDATES, no FIND_CALLS.
    # No email / chat / SMS activity either: interaction_channels stays empty.
    no_update_reason="retailCRM cannot update a logged call",
    # list_queues answers [] (retailCRM routes calls on the telephony side): no QUEUES.
    capabilities=frozenset(
        {
            Capability.CONTACTS,
            Capability.COUNTS,
            Capability.USERS,
            Capability.CALL_LOG,
            Capability.TICKETS,
            Capability.CALLBACKS,
            Capability.LIVE_CALL_EVENTS,
            Capability.CLICK_TO_CALL,
            Capability.CREATE_RECORDS,
        }
    ),
)
