"""Plain data exchanged between connectors and the rest of the portal (no CRM specifics)."""

from dataclasses import dataclass, field
from datetime import datetime

# The CRM record types the portal imports and matches callers against (API.md `type`).
CONTACT, LEAD, ACCOUNT = "contact", "lead", "account"
RECORD_TYPES = (CONTACT, LEAD, ACCOUNT)


@dataclass
class Token:
    access_token: str
    expires_at: float | None = None  # unix time; None = unknown (refresh on 401)
    refresh_token: str = ""
    instance_url: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class CrmField:
    name: str
    label: str
    type: str
    createable: bool = True


@dataclass
class CrmContact:
    crm_id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phones: list[str] = field(default_factory=list)  # as stored in the CRM (any format)
    account: str = ""
    owner_crm_id: str = ""
    fields: dict = field(default_factory=dict)  # raw CRM field name -> value
    modified_at: datetime | None = None
    deleted: bool = False
    url: str = ""
    type: str = CONTACT  # contact | lead | account (Person Accounts are accounts)


@dataclass
class NewRecord:
    """A contact or lead to create in the CRM for an unknown caller (matching policy).

    `key` is our idempotency key ("<tenant>-<connector>-<e164>"); connectors that can store it
    on the record do, and the caller searches by phone before creating, so a retry finds it.
    """

    key: str
    type: str  # contact | lead
    phone: str  # E.164
    last_name: str  # CRMs require one: "Unknown caller +420..." when nothing better is known
    first_name: str = ""
    email: str = ""
    company: str = ""  # leads: Salesforce requires Company
    owner_crm_id: str = ""
    description: str = ""


@dataclass
class CrmUser:
    crm_id: str
    email: str
    name: str = ""
    active: bool = True


@dataclass
class CrmQueue:
    crm_id: str
    name: str
    owner_crm_id: str = ""


@dataclass
class CallLog:
    """One call (or agent leg) to log as a CRM activity.

    `key` is our stable idempotency key (e.g. "<tenant>:<call_id>:<activity_id>"); connectors
    store it on the CRM record (Salesforce CallObject / external id, Dataverse alternate key or
    a lookup before create) so a retry after a crash never creates a second record.
    """

    key: str
    direction: str  # in | out | internal
    phone: str  # the customer's number, E.164 when known
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: int
    subject: str
    description: str = ""
    # answered | missed | abandoned | busy | callback (a planned call back)
    status: str = "answered"
    owner_crm_id: str = ""
    contact_crm_id: str = ""
    contact_type: str = CONTACT  # the record type of contact_crm_id (lead, account)
    queue: str = ""
    recording_url: str = ""
    queue_crm_id: str = ""  # a CRM queue to put the record in (callback phone calls)

    @property
    def missed(self) -> bool:
        return self.status in ("missed", "abandoned", "busy")


@dataclass
class TicketRequest:
    key: str  # idempotency key
    subject: str
    description: str
    contact_crm_id: str = ""
    contact_type: str = CONTACT  # the record type of contact_crm_id (lead, account)
    account_crm_id: str = ""
    owner_crm_id: str = ""
    queue_crm_id: str = ""


@dataclass
class WriteResult:
    """Outcome of one record in a batch write."""

    key: str
    crm_id: str = ""
    url: str = ""
    error: str = ""
    permanent: bool = False
    request_id: str = ""  # the CRM's id of the request that wrote it (the seam fills it in)

    @property
    def ok(self) -> bool:
        return not self.error
