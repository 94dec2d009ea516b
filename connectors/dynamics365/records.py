"""Dataverse rows <-> the portal's plain types: contacts in, phonecalls and incidents out.

phonecall: https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/phonecall
activity parties: participationtypemask 1 = sender (From), 2 = recipient (To).
"""

import hashlib
import re
from datetime import UTC, datetime, timedelta

from connectors.dynamics365.client import FORMATTED, is_guid
from connectors.types import CallLog, CrmContact, TicketRequest

CONTACT_FIELDS = (
    "contactid",
    "firstname",
    "lastname",
    "emailaddress1",
    "telephone1",
    "mobilephone",
    "telephone2",
    "_parentcustomerid_value",
    "_ownerid_value",
    "modifiedon",
)
PHONE_FIELDS = ("telephone1", "mobilephone", "telephone2")
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


def to_contact(row: dict, url: str) -> CrmContact:
    return CrmContact(
        crm_id=row.get("contactid", ""),
        first_name=row.get("firstname") or "",
        last_name=row.get("lastname") or "",
        email=row.get("emailaddress1") or "",
        phones=[row[name] for name in PHONE_FIELDS if row.get(name)],
        account=row.get(f"_parentcustomerid_value@{FORMATTED}") or "",
        owner_crm_id=row.get("_ownerid_value") or "",
        fields={k: v for k, v in row.items() if "@" not in k},
        modified_at=parse_datetime(row.get("modifiedon")),
        url=url,
    )


def check_ids(*ids: str) -> None:
    """Ids go into `@odata.bind` paths: only GUIDs, never arbitrary text."""
    for value in ids:
        if value and not is_guid(value):
            raise ValueError(f"{value!r} is not a Dataverse id (GUID)")


def phonecall_body(call: CallLog) -> dict:
    check_ids(call.owner_crm_id, call.contact_crm_id)
    outgoing = call.direction != "in"
    ended = call.ended_at or call.started_at + timedelta(seconds=call.duration_seconds)
    subject = call.subject or f"Call {'to' if outgoing else 'from'} {call.phone}"
    lines = [call.description] if call.description else []
    if call.missed:
        subject = subject if subject.lower().startswith("missed") else f"Missed call: {subject}"
        lines.append(f"Call status: {call.status} (not answered)")
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
    if call.status == "callback":  # a planned call back: scheduled, not yet made
        for name in ("actualdurationminutes", "actualstart", "actualend"):
            body.pop(name)
        body["scheduledstart"] = iso(call.started_at)
    user = {"partyid_systemuser@odata.bind": f"/systemusers({call.owner_crm_id})"}
    contact = {"partyid_contact@odata.bind": f"/contacts({call.contact_crm_id})"}
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
        body["regardingobjectid_contact_phonecall@odata.bind"] = f"/contacts({call.contact_crm_id})"
    return body


def incident_body(ticket: TicketRequest) -> dict:
    check_ids(ticket.contact_crm_id, ticket.account_crm_id, ticket.owner_crm_id)
    body = {"title": ticket.subject[:200], "description": ticket.description}
    if ticket.contact_crm_id:
        body["customerid_contact@odata.bind"] = f"/contacts({ticket.contact_crm_id})"
    else:
        body["customerid_account@odata.bind"] = f"/accounts({ticket.account_crm_id})"
    if ticket.owner_crm_id:
        body["ownerid@odata.bind"] = f"/systemusers({ticket.owner_crm_id})"
    return body
