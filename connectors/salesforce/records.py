"""The record types Salesforce imports and matches: Contact, Lead, Account (no HTTP here).

- Leads: only unconverted ones are live (a converted Lead stays in the org, read-only, and its
  person lives on as a Contact); the import reports a conversion like a delete.
- Accounts: business accounts (Name is the caller's name and company) and, in orgs that have
  them, Person Accounts (IsPersonAccount, FirstName/LastName, PersonEmail, Person*Phone). An
  org without Person Accounts has none of those fields: naming one fails the whole query
  (INVALID_FIELD), so the connector asks describe first (connector.py, `_person_accounts`).
"""

from connectors.salesforce import mapping
from connectors.salesforce.client import sosl_escape
from connectors.types import ACCOUNT, CONTACT, LEAD, CrmContact, NewRecord

OBJECTS = ((CONTACT, "Contact"), (LEAD, "Lead"), (ACCOUNT, "Account"))
TYPE_OF = {obj: record_type for record_type, obj in OBJECTS}
LEAD_FIELDS = (
    "Id",
    "FirstName",
    "LastName",
    "Email",
    "Phone",
    "MobilePhone",
    "Company",
    "OwnerId",
    "LastModifiedDate",
)
ACCOUNT_FIELDS = ("Id", "Name", "Phone", "OwnerId", "LastModifiedDate")
PERSON_FIELDS = (
    "IsPersonAccount",
    "FirstName",
    "LastName",
    "PersonEmail",
    "PersonMobilePhone",
    "PersonHomePhone",
)
PERSON_PHONES = ("Phone", "PersonMobilePhone", "PersonHomePhone")
LIVE = {LEAD: "IsConverted = false"}  # what makes a record of the type live (besides IsDeleted)
SEARCH_LIMIT = 50  # records one live search returns (all types together)


def sobject(record_type: str) -> str:
    """The object of a record type; ValueError for a type Salesforce does not import."""
    try:
        return dict(OBJECTS)[record_type]
    except KeyError:
        raise ValueError(f"Salesforce has no record type {record_type!r}") from None


def select(record_type: str, person_accounts: bool, extra: list[str] | None = None) -> list[str]:
    """The fields read for a type. Mapped extra fields belong to Contact (the field mapping's
    object), so only contacts read them: naming a Contact field on Lead would fail the query."""
    if record_type == CONTACT:
        return mapping.contact_select(extra)
    if record_type == LEAD:
        return list(LEAD_FIELDS)
    return [*ACCOUNT_FIELDS, *(PERSON_FIELDS if person_accounts else ())]


def where(record_type: str, *conditions: str) -> str:
    """` WHERE a AND b` of the type's live condition and the others ('' when none)."""
    parts = [c for c in (LIVE.get(record_type), *conditions) if c]
    return f" WHERE {' AND '.join(parts)}" if parts else ""


def from_record(record_type: str, record: dict, base: str) -> CrmContact:
    """A Salesforce record of the type -> CrmContact (with `type`)."""
    if record_type == CONTACT:
        return mapping.contact_from_record(record, base)
    fields = mapping.flatten(record)
    found = CrmContact(
        crm_id=record["Id"],
        owner_crm_id=record.get("OwnerId") or "",
        fields=fields,
        modified_at=mapping.parse_datetime(record.get("LastModifiedDate")),
        url=mapping.record_url(base, sobject(record_type), record["Id"]),
        type=record_type,
    )
    if record_type == LEAD:
        found.first_name = record.get("FirstName") or ""
        found.last_name = record.get("LastName") or ""
        found.email = record.get("Email") or ""
        found.phones = [record[f] for f in ("Phone", "MobilePhone") if record.get(f)]
        found.account = record.get("Company") or ""
    elif record.get("IsPersonAccount"):
        found.first_name = record.get("FirstName") or ""
        found.last_name = record.get("LastName") or record.get("Name") or ""
        found.email = record.get("PersonEmail") or ""
        found.phones = [record[f] for f in PERSON_PHONES if record.get(f)]
    else:  # a business account: the company is the caller
        found.last_name = found.account = record.get("Name") or ""
        found.phones = [record["Phone"]] if record.get("Phone") else []
    return found


PHONES_PER_SEARCH = 50  # numbers one SOSL asks for (2-3 terms each: about 2 KB of query)


def sosl(phone: str, record_types: tuple[str, ...], person_accounts: bool) -> str | None:
    """One SOSL search in the phone fields of every requested type (None: nothing to search)."""
    return sosl_many([phone], record_types, person_accounts, SEARCH_LIMIT)


def sosl_many(
    phones: list[str], record_types: tuple[str, ...], person_accounts: bool, limit: int
) -> str | None:
    """One SOSL search for several numbers (every number's terms OR'ed together)."""
    terms = list(dict.fromkeys(t for p in phones for t in mapping.phone_search_terms(p)))
    if not terms:
        return None
    specs = []
    for record_type in record_types:
        fields = ", ".join(select(record_type, person_accounts))
        live = LIVE.get(record_type)
        specs.append(f"{sobject(record_type)}({fields}{f' WHERE {live}' if live else ''})")
    find = " OR ".join(sosl_escape(t) for t in terms)
    return f"FIND {{{find}}} IN PHONE FIELDS RETURNING {', '.join(specs)} LIMIT {limit}"


def create_body(record: NewRecord) -> dict:
    """The Contact or Lead to create for an unknown caller (a Lead requires Company)."""
    body = {"LastName": record.last_name[:80], "Phone": record.phone}
    optional = {
        "FirstName": record.first_name[:40],
        "Email": record.email,
        "OwnerId": record.owner_crm_id,
        "Description": record.description[:32000],
    }
    body.update({k: v for k, v in optional.items() if v})
    if record.type == LEAD:
        body["Company"] = (record.company or "Unknown")[:255]
    elif record.type != CONTACT:
        raise ValueError(f"Salesforce creates contacts and leads, not {record.type!r}")
    return body
