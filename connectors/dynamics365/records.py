"""The portal's plain types -> Dataverse bodies: phonecalls, incidents, new contacts / leads.

(Rows -> CrmContact is entities.py.)
phonecall: https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/phonecall
activity parties: participationtypemask 1 = sender (From), 2 = recipient (To).
A phonecall's Regarding lookup is bound through one navigation property per target table,
`regardingobjectid_<table>_phonecall`; an activity party's through `partyid_<table>`.
"""

import hashlib
import re
from datetime import UTC, datetime, timedelta

from connectors.dynamics365.client import is_guid
from connectors.types import ACCOUNT, CONTACT, LEAD, CallLog, NewRecord, TicketRequest

# Record type -> entity set (Dataverse logical names equal our record types).
ENTITY_SETS = {CONTACT: "contacts", LEAD: "leads", ACCOUNT: "accounts"}
KEY_MAX = 100  # length of the key column the guide asks for
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def key_value(key: str) -> str:
    """Our idempotency key as an alternate-key value Dataverse accepts inside a URL.

    Alternate key values used in a URL must not contain / < > * % & : \\ ? + (see
    https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity),
    and our keys look like "tenant:call:activity": unsafe characters become ~XX (reversible,
    so two keys never collide); an over-long key keeps a prefix plus its SHA-256.
    """
    safe = _UNSAFE.sub(lambda m: "".join(f"~{b:02X}" for b in m.group().encode()), key)
    if len(safe) > KEY_MAX:
        safe = safe[: KEY_MAX - 41] + "~" + hashlib.sha256(key.encode()).hexdigest()[:40]
    return safe


def parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_ids(*ids: str) -> None:
    """Ids go into `@odata.bind` paths: only GUIDs, never arbitrary text."""
    for value in ids:
        if value and not is_guid(value):
            raise ValueError(f"{value!r} is not a Dataverse id (GUID)")


def _entity_set(record_type: str) -> str:
    if record_type not in ENTITY_SETS:
        raise ValueError(f"Dynamics 365 has no {record_type!r} records")
    return ENTITY_SETS[record_type]


def phonecall_body(call: CallLog) -> dict:
    check_ids(call.owner_crm_id, call.contact_crm_id)
    kind = call.contact_type or CONTACT
    target = f"/{_entity_set(kind)}({call.contact_crm_id})"
    outgoing = call.direction != "in"
    ended = call.ended_at or call.started_at + timedelta(seconds=call.duration_seconds)
    subject = call.subject or f"Call {'to' if outgoing else 'from'} {call.phone}"
    lines = [call.description] if call.description else []
    if call.missed:
        subject = subject if subject.lower().startswith("missed") else f"Missed call: {subject}"
        lines.append(f"Call status: {call.status} (not answered)")
    lines += wrapup_lines(call.notes, call.tags)
    if call.queue:
        lines.append(f"Queue: {call.queue}")
    if call.recording_url:
        lines.append(f"Recording: {call.recording_url}")
    body = {
        "subject": subject[:200],
        "phonenumber": call.phone[:200],
        "description": "\n".join(lines),
        "directioncode": outgoing,  # false = incoming
        "actualdurationminutes": -(-call.duration_seconds // 60),  # whole minutes, rounded up
        "actualstart": iso(call.started_at),
        "actualend": iso(ended),
    }
    if call.disposition:  # the activity's own text column for it
        body["category"] = call.disposition[:250]
    if call.status == "callback":  # a planned call back: scheduled, not yet made
        for name in ("actualdurationminutes", "actualstart", "actualend"):
            body.pop(name)
        body["scheduledstart"] = iso(call.due_at or call.started_at)
    user = {"partyid_systemuser@odata.bind": f"/systemusers({call.owner_crm_id})"}
    contact = {f"partyid_{kind}@odata.bind": target}
    user = user if call.owner_crm_id else None
    contact = contact if call.contact_crm_id else None
    sender, recipient = (user, contact) if outgoing else (contact, user)
    parties = []
    if sender:
        parties.append({**sender, "participationtypemask": 1})
    if recipient:
        parties.append({**recipient, "participationtypemask": 2})
    if parties:
        body["phonecall_activity_parties"] = parties
    if call.owner_crm_id:
        body["ownerid@odata.bind"] = f"/systemusers({call.owner_crm_id})"
    if call.contact_crm_id:
        body[f"regardingobjectid_{kind}_phonecall@odata.bind"] = target
    return body


def wrapup_lines(notes: str, tags) -> list[str]:
    lines = [f"Notes: {notes}"] if notes else []
    if tags:
        lines.append(f"Tags: {', '.join(tags)}")
    return lines


def incident_body(ticket: TicketRequest, lead_url: str = "") -> dict:
    """An incident's customer is a contact or an account; a lead cannot be one (Dataverse's
    Customer lookup targets those two tables), so a lead's ticket goes to the account given,
    and the description names the lead."""
    check_ids(ticket.contact_crm_id, ticket.account_crm_id, ticket.owner_crm_id)
    kind = ticket.contact_type or CONTACT
    description = ticket.description
    if kind == LEAD and ticket.contact_crm_id:
        description = f"{description}\n\nLead: {lead_url or ticket.contact_crm_id}".strip()
    body = {"title": ticket.subject[:200], "description": description}
    if ticket.contact_crm_id and kind in (CONTACT, ACCOUNT):
        body[f"customerid_{kind}@odata.bind"] = f"/{_entity_set(kind)}({ticket.contact_crm_id})"
    else:
        body["customerid_account@odata.bind"] = f"/accounts({ticket.account_crm_id})"
    if ticket.owner_crm_id:
        body["ownerid@odata.bind"] = f"/systemusers({ticket.owner_crm_id})"
    return body


def new_record_body(record: NewRecord) -> dict:
    """POST /contacts or /leads for an unknown caller; the number goes into telephone1."""
    check_ids(record.owner_crm_id)
    if record.type not in (CONTACT, LEAD):
        raise ValueError(f"Dynamics 365 cannot create {record.type!r} records here")
    body = {
        "lastname": record.last_name[:50] or record.phone,
        "telephone1": record.phone[:50],
    }
    if record.first_name:
        body["firstname"] = record.first_name[:50]
    if record.email:
        body["emailaddress1"] = record.email[:100]
    if record.description:
        body["description"] = record.description
    if record.type == LEAD:
        body["subject"] = f"Call from {record.phone}"[:300]  # the lead's Topic
        if record.company:
            body["companyname"] = record.company[:100]
    if record.owner_crm_id:
        body["ownerid@odata.bind"] = f"/systemusers({record.owner_crm_id})"
    return body
