"""Salesforce records <-> the portal's plain types (no HTTP here)."""

import re
from datetime import UTC, datetime, tzinfo

import phonenumbers

from connectors.errors import AuthError, ConnectorError
from connectors.salesforce.client import TRANSIENT_RECORD_ERRORS
from connectors.types import ACCOUNT, LEAD, CallLog, CrmContact, TicketRequest, WriteResult

TASK_KEY_FIELD = "CC_Call_Key__c"  # External ID + Unique text field on Activity
CASE_KEY_FIELD = "CC_Ticket_Key__c"  # External ID + Unique text field on Case
PHONE_FIELDS = ("Phone", "MobilePhone", "HomePhone", "OtherPhone")
CONTACT_FIELDS = (
    "Id",
    "FirstName",
    "LastName",
    "Email",
    *PHONE_FIELDS,
    "Account.Name",
    "OwnerId",
    "LastModifiedDate",
)
CALL_TYPES = {"in": "Inbound", "out": "Outbound", "internal": "Internal"}
DISPOSITIONS = {
    "answered": "Answered",
    "missed": "Missed",
    "abandoned": "Abandoned",
    "busy": "Busy",
}
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$")
_SOBJECTS = {
    "contact": "Contact",
    "lead": "Lead",
    "task": "Task",
    "case": "Case",
    "user": "User",
    "account": "Account",
}


def sobject_name(name: str) -> str:
    name = (name or "Contact").strip()
    if not _FIELD_NAME.match(name) or "." in name:
        raise ValueError(f"not a Salesforce object name: {name!r}")
    return _SOBJECTS.get(name.lower(), name)


def field_name(value: str | None, default: str) -> str:
    """A configured field name (it goes into SOQL and URLs, so it must be a plain name)."""
    name = (value or "").strip() or default
    if not _FIELD_NAME.match(name) or "." in name:
        raise ConnectorError(f"not a Salesforce field name: {name!r}", permanent=True)
    return name


def contact_select(extra: list[str] | None) -> list[str]:
    """The standard contact fields plus mapped CRM fields (validated: they go into SOQL)."""
    fields = list(CONTACT_FIELDS)
    seen = {f.lower() for f in fields}
    for name in extra or []:
        name = (name or "").strip()
        if not _FIELD_NAME.match(name):
            raise ConnectorError(f"not a Salesforce field name: {name!r}", permanent=True)
        if name.lower() not in seen:
            seen.add(name.lower())
            fields.append(name)
    return fields


def soql_datetime(value: datetime) -> str:
    """A SOQL dateTime literal (unquoted, UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: str | None) -> datetime | None:
    """Salesforce's 2024-05-01T10:00:00.000+0000 (fromisoformat reads it since Python 3.11)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        try:
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")
        except ValueError:
            return None


def flatten(record: dict) -> dict:
    """Record fields without `attributes`; relationships as "Account.Name"."""
    out = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, dict):
            for sub, subvalue in value.items():
                if sub != "attributes" and not isinstance(subvalue, dict):
                    out[f"{key}.{sub}"] = subvalue
        else:
            out[key] = value
    return out


def record_url(base: str, crm_object: str, crm_id: str) -> str:
    return f"{base}/lightning/r/{crm_object}/{crm_id}/view" if crm_id else ""


def contact_from_record(record: dict, base: str) -> CrmContact:
    fields = flatten(record)
    return CrmContact(
        crm_id=record["Id"],
        first_name=record.get("FirstName") or "",
        last_name=record.get("LastName") or "",
        email=record.get("Email") or "",
        phones=[record[f] for f in PHONE_FIELDS if record.get(f)],
        account=fields.get("Account.Name") or "",
        owner_crm_id=record.get("OwnerId") or "",
        fields=fields,
        modified_at=parse_datetime(record.get("LastModifiedDate")),
        url=record_url(base, "Contact", record["Id"]),
    )


def deleted_contact(record: dict, record_type: str = "contact") -> CrmContact:
    return CrmContact(
        crm_id=record["Id"],
        modified_at=parse_datetime(record.get("LastModifiedDate")),
        deleted=True,
        type=record_type,
    )


def phone_search_terms(phone: str) -> list[str]:
    """Digits of the number, plus its national number when it has a country code."""
    raw = (phone or "").strip()
    digits = re.sub(r"\D", "", raw)
    if len(digits) < 6:
        return []
    terms = [digits]
    international = raw.startswith(("+", "00"))
    if international:
        try:
            parsed = phonenumbers.parse("+" + digits[2:] if raw.startswith("00") else raw, None)
            national = str(parsed.national_number)
            if national != digits and len(national) >= 6:
                terms.append(national)
        except phonenumbers.NumberParseException:
            pass
    return terms


def wrapup_lines(notes: str, disposition: str = "", tags=()) -> list[str]:
    """The agent's wrap-up as description lines (disposition only where no field holds it)."""
    lines = []
    if disposition:
        lines.append(f"Disposition: {disposition}")
    if notes:
        lines.append(f"Notes: {notes}")
    if tags:
        lines.append(f"Tags: {', '.join(tags)}")
    return lines


def activity_date(value: datetime, tz: tzinfo) -> str:
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(tz).date().isoformat()


def task_record(call: CallLog, key_field: str, tz: tzinfo = UTC) -> dict:
    """The Task for one call; ActivityDate is the call's day in the tenant's time zone.

    The wrap-up goes to CallDisposition (the disposition, else the call's status) and to the
    Description (notes, tags). A callback is open work: Status Not Started, due on `due_at`."""
    subject = call.subject or f"{CALL_TYPES.get(call.direction, 'Inbound')} call {call.phone}"
    if call.missed and "missed" not in subject.lower():
        subject = f"Missed call: {subject}"
    lines = [call.description] if call.description else []
    lines += wrapup_lines(call.notes, "", call.tags)
    if call.queue:
        lines.append(f"Queue: {call.queue}")
    if call.phone:
        lines.append(f"Phone: {call.phone}")
    if call.recording_url:
        lines.append(f"Recording: {call.recording_url}")
    disposition = call.disposition or DISPOSITIONS.get(call.status, call.status.title())
    record = {
        key_field: call.key,
        "Subject": subject[:255],
        "Description": "\n".join(lines)[:32000],
        "TaskSubtype": "Call",
        "Type": "Call",
        "CallType": CALL_TYPES.get(call.direction, "Inbound"),
        "CallDurationInSeconds": max(0, int(call.duration_seconds or 0)),
        "CallObject": call.key[:255],
        "CallDisposition": disposition[:255],
        "Status": "Completed",
        "ActivityDate": activity_date(call.started_at, tz),
    }
    if call.status == "callback":  # open work for the agent, due when the customer asked
        record.update(
            Status="Not Started", ActivityDate=activity_date(call.due_at or call.started_at, tz)
        )
        record.pop("CallDurationInSeconds")
        if not call.disposition:
            record.pop("CallDisposition")
    if call.contact_crm_id:  # a person (Contact, Lead) is the Who; an Account the What
        record["WhatId" if call.contact_type == ACCOUNT else "WhoId"] = call.contact_crm_id
    if call.owner_crm_id:
        record["OwnerId"] = call.owner_crm_id
    return record


def tenant_zone(account) -> tzinfo:
    return account.tenant.zone  # an unknown zone: UTC (the date in UTC is still a fair answer)


def case_record(ticket: TicketRequest) -> dict:
    description = ticket.description
    account = ticket.account_crm_id
    if ticket.contact_crm_id and ticket.contact_type == LEAD:  # a Case has no Lead field
        description = f"{description}\nLead: {ticket.contact_crm_id}".lstrip("\n")
    elif ticket.contact_crm_id and ticket.contact_type == ACCOUNT:
        account = ticket.contact_crm_id
    record = {
        "Subject": ticket.subject[:255],
        "Description": description[:32000],
        "Origin": "Phone",
    }
    if ticket.contact_crm_id and ticket.contact_type not in (LEAD, ACCOUNT):
        record["ContactId"] = ticket.contact_crm_id
    if account:
        record["AccountId"] = account
    owner = ticket.queue_crm_id or ticket.owner_crm_id
    if owner:
        record["OwnerId"] = owner
    return record


def write_result(key: str, answer: dict, sobject: str, base: str, key_field: str) -> WriteResult:
    """One sObject Collections / upsert result -> WriteResult."""
    if answer.get("success"):
        crm_id = answer.get("id") or ""
        action = "updated" if answer.get("created") is False else "created"
        return WriteResult(
            key=key, crm_id=crm_id, url=record_url(base, sobject, crm_id), action=action
        )
    errors = answer.get("errors") or []
    codes = {e.get("statusCode") or e.get("errorCode") or "" for e in errors}
    message = "; ".join(
        f"{e.get('statusCode') or e.get('errorCode')}: {e.get('message', '')}" for e in errors
    )
    return WriteResult(
        key=key,
        error=message or "Salesforce rejected the record",
        permanent=not codes or not codes <= TRANSIENT_RECORD_ERRORS,
    )


def create_only_fields(answer: dict) -> list[str]:
    """Fields to drop when an upsert hit an existing record with a create-only field."""
    if answer.get("success"):
        return []
    fields = []
    for error in answer.get("errors") or []:
        if error.get("statusCode") == "INVALID_FIELD_FOR_INSERT_UPDATE":
            fields += list(error.get("fields") or [])
    return fields


def missing_key_field_hint(exc, sobject: str, field: str):
    """A clearer error when the org lacks our external-id field (see the setup guide)."""
    if isinstance(exc, AuthError) or exc.code not in ("NOT_FOUND", "INVALID_FIELD"):
        return exc
    where = "Activity (Task)" if sobject == "Task" else sobject
    return ConnectorError(
        f"{exc.message}. Create the text field {field} on {where} with External ID and "
        "Unique checked (see How to get authorization data).",
        permanent=True,
        status=exc.status,
        code=exc.code,
    )
