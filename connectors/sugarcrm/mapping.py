"""SugarCRM records <-> the portal's plain data (connectors/types.py)."""

from datetime import UTC, datetime

import phonenumbers

from connectors.types import ACCOUNT, LEAD, CallLog, CrmContact, TicketRequest
from portal.phones import normalize, tail

CALL_KEY_FIELD = "cc_call_key_c"  # custom text field on Calls (Studio), holds CallLog.key
CASE_KEY_FIELD = "cc_case_key_c"  # custom text field on Cases, holds TicketRequest.key
PARENT_TYPES = {"contact": "Contacts", LEAD: "Leads", ACCOUNT: "Accounts"}  # a Call's parent
PHONE_FIELDS = ["phone_work", "phone_mobile", "phone_home", "phone_other"]
CONTACT_FIELDS = [
    "id",
    "first_name",
    "last_name",
    "email1",
    "email",
    *PHONE_FIELDS,
    "account_name",
    "assigned_user_id",
    "date_modified",
]


def sugar_time(value: datetime) -> str:
    """ISO 8601 with offset, as Sugar writes and filters `datetime` fields."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def parse_time(value) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def contact_from(record: dict, url: str = "") -> CrmContact:
    email = record.get("email1") or ""
    if not email:
        for item in record.get("email") or []:
            if isinstance(item, dict) and item.get("email_address"):
                email = item["email_address"]
                if item.get("primary_address"):
                    break
    return CrmContact(
        crm_id=record["id"],
        first_name=record.get("first_name") or "",
        last_name=record.get("last_name") or "",
        email=email,
        phones=[record[f] for f in PHONE_FIELDS if record.get(f)],
        account=record.get("account_name") or "",
        owner_crm_id=record.get("assigned_user_id") or "",
        fields={k: v for k, v in record.items() if not k.startswith("_")},
        modified_at=parse_time(record.get("date_modified")),
        deleted=bool(record.get("deleted")),
        url=url,
    )


def phone_variants(phone: str, region: str) -> list[str]:
    """Spellings a person may have typed into Sugar: digits tail, E.164, national, intl."""
    found = []
    if t := tail(phone):
        found.append(t)
    if e164 := normalize(phone, region):
        found.append(e164)
        number = phonenumbers.parse(e164)
        for fmt in (
            phonenumbers.PhoneNumberFormat.NATIONAL,
            phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        ):
            spelled = phonenumbers.format_number(number, fmt)
            # The same grouping with the other usual separators ("226-211-245", "226.211.245").
            found += [spelled, spelled.replace(" ", "-"), spelled.replace(" ", ".")]
    return list(dict.fromkeys(found))


def same_number(a: str, b: str, region: str) -> bool:
    """Same phone number? E.164 equality; the trailing digits only when `b` was typed without
    a country code (then parsing it with our region may guess the wrong country)."""
    na, nb = normalize(a, region), normalize(b, region)
    if na and na == nb:
        return True
    if na and nb and b.strip().lstrip("(").startswith(("+", "00")):
        return False
    return bool(tail(a)) and tail(a) == tail(b)


def wrapup_lines(notes: str, disposition: str, tags: list[str]) -> list[str]:
    """The agent's wrap-up in words (Sugar's Calls, Emails and Notes have no fields for it)."""
    lines = [f"Disposition: {disposition}" if disposition else ""]
    lines.append(f"Tags: {', '.join(t for t in tags if t)}" if any(tags) else "")
    lines.append(f"Notes: {notes}" if notes else "")
    return [x for x in lines if x]


def call_record(call: CallLog, key_field: str = CALL_KEY_FIELD) -> dict:
    """A Call: Held / Not Held; a callback is open work, a Planned outbound call due then."""
    callback = call.status == "callback"
    minutes = -(-max(0, int(call.duration_seconds or 0)) // 60)  # whole minutes, rounded up
    lines = [call.description, f"Phone: {call.phone}" if call.phone else ""]
    if call.queue:
        lines.append(f"Queue: {call.queue}")
    if call.recording_url:
        lines.append(f"Recording: {call.recording_url}")
    lines += wrapup_lines(call.notes, call.disposition, call.tags)
    if callback:
        status, direction = "Planned", "Outbound"
    else:
        status = "Not Held" if call.missed else "Held"
        direction = "Inbound" if call.direction == "in" else "Outbound"
    record = {
        "name": call.subject[:50] if call.subject else f"Call {call.phone}",
        "direction": direction,
        "status": status,
        "date_start": sugar_time((call.due_at or call.started_at) if callback else call.started_at),
        "duration_hours": minutes // 60,
        "duration_minutes": minutes % 60,
        "description": "\n".join(x for x in lines if x),
        key_field: call.key,
    }
    if call.ended_at and not callback:  # a planned call ends date_start + duration later
        record["date_end"] = sugar_time(call.ended_at)
    if call.owner_crm_id:
        record["assigned_user_id"] = call.owner_crm_id
    if call.contact_crm_id:
        record["parent_type"] = PARENT_TYPES.get(call.contact_type, "Contacts")
        record["parent_id"] = call.contact_crm_id
    return record


def case_record(ticket: TicketRequest, key_field: str = CASE_KEY_FIELD) -> dict:
    description, account = ticket.description, ticket.account_crm_id
    linked, kind = ticket.contact_crm_id, ticket.contact_type
    if linked and kind == LEAD:  # a Case has no lead field: say it in words
        description = f"{description}\nLead: {linked}".lstrip("\n")
    elif linked and kind == ACCOUNT:
        account = linked
    record = {
        "name": ticket.subject[:255],
        "description": description,
        "status": "New",
        key_field: ticket.key,
    }
    if ticket.owner_crm_id:
        record["assigned_user_id"] = ticket.owner_crm_id
    if account:
        record["account_id"] = account
    if linked and kind not in (LEAD, ACCOUNT):
        record["primary_contact_id"] = linked  # Sugar 10+: the Case's contact
    return record
