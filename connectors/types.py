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
    # The agent's wrap-up (API.md call events: `notes`, `disposition`, `tags`): written to the
    # CRM's own fields where it has them (Salesforce CallDisposition), else to the description.
    notes: str = ""
    disposition: str = ""
    tags: list[str] = field(default_factory=list)
    # The CRM id this key was written to before ("" the first time). A later send of the same
    # key updates that record: by the key where the CRM upserts (Salesforce external id,
    # Dataverse alternate key), else by this id (SugarCRM PUT); never a second record.
    crm_record_id: str = ""
    # callback: when the agent should call back (Salesforce open Task ActivityDate, SugarCRM
    # planned call date_start, Dynamics 365 scheduledstart); None = started_at.
    due_at: datetime | None = None

    @property
    def missed(self) -> bool:
        return self.status in ("missed", "abandoned", "busy")


# Interaction channels (API.md Interactions); "call" is the call log above.
EMAIL, CHAT, SMS = "email", "chat", "sms"
INTERACTION_CHANNELS = (EMAIL, CHAT, SMS)


@dataclass
class InteractionLog:
    """One email, chat or SMS conversation to log as a CRM activity (API.md Interactions).

    Logged as: Salesforce Task (TaskSubtype Email for email, Task otherwise); Dynamics 365
    `email` activity for email, `task` otherwise; SugarCRM Emails for email, Notes otherwise.
    `key` is the idempotency key ("<tenant>:<interaction_id>"); a resend with changed content
    updates the same record (by key or by `crm_record_id`, as CallLog).
    """

    key: str
    channel: str  # email | chat | sms
    direction: str  # in | out
    address: str  # e-mail address (email) or E.164 number (chat, sms)
    started_at: datetime
    ended_at: datetime | None
    subject: str
    body: str = ""
    description: str = ""  # our summary (queue, agent, wrap-up) appended below the body
    owner_crm_id: str = ""
    contact_crm_id: str = ""
    contact_type: str = CONTACT
    queue: str = ""
    notes: str = ""
    disposition: str = ""
    tags: list[str] = field(default_factory=list)
    crm_record_id: str = ""


@dataclass
class CrmCall:
    """A call activity that already exists in the CRM (found by find_calls)."""

    crm_id: str
    phone: str = ""
    started_at: datetime | None = None
    subject: str = ""
    url: str = ""


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
class TicketCompletion:
    """Close a ticket opened during a call (trigger fire_on ringing|answered) with its outcome."""

    key: str  # the ticket's idempotency key (TicketRequest.key)
    crm_id: str  # the ticket's id in the CRM
    outcome: str  # the call's status: answered | missed | abandoned | busy
    description: str = ""  # the call's summary (duration, agent, wrap-up) added to the ticket


@dataclass
class WriteResult:
    """Outcome of one record in a batch write."""

    key: str
    crm_id: str = ""
    url: str = ""
    error: str = ""
    permanent: bool = False
    request_id: str = ""  # the CRM's id of the request that wrote it (the seam fills it in)
    # "created" | "updated" | "linked" (an existing CRM call within the start margin) |
    # "unchanged" (the CRM cannot update a logged record: retailCRM keeps the first upload)
    action: str = "created"

    @property
    def ok(self) -> bool:
        return not self.error
