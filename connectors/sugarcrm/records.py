"""The record types SugarCRM imports and matches: Contacts, Leads, Accounts (no HTTP here).

A converted Lead stays in Sugar (`converted` = 1, status "Converted") and its person lives on as
a Contact: only unconverted leads are live, and the import reports a conversion like a delete.
An Account is a company: its name is the caller's name and company.
"""

import phonenumbers

from connectors.sugarcrm.mapping import CONTACT_FIELDS, PHONE_FIELDS, contact_from
from connectors.types import ACCOUNT, CONTACT, LEAD, CrmContact, NewRecord
from portal.phones import normalize

OBJECTS = ((CONTACT, "Contacts"), (LEAD, "Leads"), (ACCOUNT, "Accounts"))
PHONES = {CONTACT: PHONE_FIELDS, LEAD: PHONE_FIELDS, ACCOUNT: ["phone_office", "phone_alternate"]}
FIELDS = {
    CONTACT: CONTACT_FIELDS,
    LEAD: [*CONTACT_FIELDS, "converted"],  # account_name: the lead's company
    ACCOUNT: [
        "id",
        "name",
        "email1",
        "email",
        *PHONES[ACCOUNT],
        "assigned_user_id",
        "date_modified",
    ],
}
LIVE = {LEAD: [{"converted": {"$equals": 0}}]}  # filters that keep only live records
CONVERTED = [{"converted": {"$equals": 1}}]
MOBILE = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def module(record_type: str) -> str:
    """The module of a record type; ValueError for a type Sugar does not import."""
    try:
        return dict(OBJECTS)[record_type]
    except KeyError:
        raise ValueError(f"SugarCRM has no record type {record_type!r}") from None


def fields(record_type: str, extra: list[str] | None = None) -> list[str]:
    """Fields read for a type; mapped extra fields are Contacts fields (the mapping's module)."""
    wanted = [*FIELDS[record_type], *((extra or []) if record_type == CONTACT else [])]
    return list(dict.fromkeys(wanted))


def from_record(record_type: str, record: dict, url: str = "") -> CrmContact:
    found = contact_from(record, url)
    found.type = record_type
    if record_type == ACCOUNT:
        found.first_name = ""
        found.last_name = found.account = record.get("name") or ""
        found.phones = [record[f] for f in PHONES[ACCOUNT] if record.get(f)]
    return found


def phone_field(phone: str) -> str:
    """Where a new record's number goes: a mobile number in phone_mobile, else phone_work."""
    e164 = normalize(phone, "")  # NewRecord.phone is E.164 already
    if not e164:
        return "phone_work"
    kind = phonenumbers.number_type(phonenumbers.parse(e164))
    return "phone_mobile" if kind in MOBILE else "phone_work"


def create_body(record: NewRecord) -> dict:
    """The Contact or Lead to create for an unknown caller."""
    if record.type not in (CONTACT, LEAD):
        raise ValueError(f"SugarCRM creates contacts and leads, not {record.type!r}")
    body = {"last_name": record.last_name[:100], phone_field(record.phone): record.phone}
    optional = {
        "first_name": record.first_name[:100],
        "assigned_user_id": record.owner_crm_id,
        "description": record.description,
        "account_name": record.company if record.type == LEAD else "",
    }
    body.update({k: v for k, v in optional.items() if v})
    if record.email:
        body["email"] = [{"email_address": record.email, "primary_address": True}]
    return body
