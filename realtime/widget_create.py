"""The widget's "Create in <CRM>" for a caller no CRM knows (the connector's unknown-caller rule).

A connector offers the button when its matching policy says `create_contact` or `create_lead`
and its CRM can create that record type (Capability.CREATE_RECORDS, provider.creatable_types).
Creating is idempotent per (connector, number) through the same path call logs use
(`calls.callers.create_once`: a CreatedCaller claim in the database before the CRM is asked):

1. a search first: `lookup(..., live=True)` on that connector, so a record created meanwhile
   (by another click, the call log's own unknown-caller rule, or a person in the CRM) is shown
   instead of a second one being made;
2. then `create_once`, whose claim turns a second click (or a delivery creating the same
   caller) into "being created right now" in whatever process it runs; the record is stored
   with `store_found`, so every later lookup finds it locally.
"""

from dataclasses import dataclass, replace

from calls.callers import InFlight, create_once
from connectors.capabilities import Capability
from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount, ConnectorStatus
from connectors.services import explain, status_hint
from connectors.types import CONTACT, LEAD
from contacts.lookup import CREATED, Match, lookup, policies
from contacts.models import UnknownCaller
from portal.phones import normalize

RULE_TYPES = {UnknownCaller.CREATE_CONTACT: CONTACT, UnknownCaller.CREATE_LEAD: LEAD}


@dataclass(frozen=True)
class CreateOffer:
    account: ConnectorAccount
    type: str  # contact | lead

    @property
    def label(self) -> str:
        return f"Create {self.type} in {self.account.name}"


@dataclass
class CreateResult:
    ok: bool
    message: str
    matches: list[Match]


def offers(tenant, accounts: list[ConnectorAccount] | None = None) -> list[CreateOffer]:
    """The buttons for an unknown caller: one per connector whose rule creates and whose CRM can."""
    if accounts is None:
        accounts = list(ConnectorAccount.objects.for_tenant(tenant).order_by("name", "id"))
    pols = policies(tenant, accounts)
    found = []
    for account in accounts:
        record_type = RULE_TYPES.get(pols[account.pk].unknown_caller)
        provider = account.provider
        if (
            record_type
            and provider.can(Capability.CREATE_RECORDS)
            and record_type in provider.creatable_types
        ):
            found.append(CreateOffer(account, record_type))
    return found


def create_caller(tenant, connector_id, phone: str) -> CreateResult:
    """Create the caller in that connector (its policy decides contact or lead), or find it.

    The connector id comes from the agent's form: another tenant's is LookupError (a 404)."""
    account = ConnectorAccount.objects.for_tenant(tenant).filter(pk=_int(connector_id)).first()
    if account is None:
        raise LookupError("no such connector")
    offer = next(iter(offers(tenant, [account])), None)
    if offer is None:
        return CreateResult(
            False,
            f"{account.name} does not create records for unknown callers: an admin sets the "
            "unknown-caller rule to \u201ccreate a contact\u201d or \u201ccreate a lead\u201d "
            "on the connector's caller-matching settings.",
            [],
        )
    e164 = normalize(phone, tenant.default_region)
    if not e164:
        return CreateResult(
            False, f"{phone!r} is not a phone number, so there is nothing to create.", []
        )
    if account.status != ConnectorStatus.AUTHORIZED:
        hint = status_hint(account) or "Ask a portal admin to authorize it."
        return CreateResult(False, f"{account.name} is not connected. {hint}", [])
    existing = lookup(tenant, e164, connectors=[account], live=True)
    if existing:
        return CreateResult(True, f"{account.name} already has this caller.", existing)
    try:
        create_once(account, account.connector, offer.type, e164, description=DESCRIPTION)
    except InFlight:
        return CreateResult(
            False,
            f"The caller is being created in {account.name} right now (another click): "
            "reload the widget in a few seconds.",
            [],
        )
    except NotImplementedError:
        return CreateResult(
            False, f"{account.get_kind_display()} cannot create records from the portal yet.", []
        )
    except ConnectorError as exc:
        _code, hint = explain(exc, account.kind)
        return CreateResult(False, f"{account.name} refused: {exc}. {hint}".strip(), [])
    found = lookup(tenant, e164, connectors=[account], live=False)
    matches = [replace(m, source=CREATED) for m in found]
    return CreateResult(True, f"Created the {offer.type} in {account.name}.", matches)


DESCRIPTION = "Created from the contact center's activity widget for an unknown caller."


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
