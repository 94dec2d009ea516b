"""The Dataverse tables the portal imports and matches callers against: contact, lead, account.

One `Entity` per record type says where its rows live and how a row becomes a CrmContact, so
the reads in connector.py are written once for all three:
- contact: https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/contact
- lead: only open leads (statecode 0) are live; a qualified or disqualified lead is closed
  (statecode 1 / 2): it leaves the id list, and an incremental read reports it deleted.
- account: `name` is both the record's name and its company; telephone1..3 are its numbers.
"""

from dataclasses import dataclass

from connectors.dynamics365.client import FORMATTED
from connectors.dynamics365.records import parse_datetime
from connectors.types import ACCOUNT, CONTACT, LEAD, CrmContact


@dataclass(frozen=True)
class Entity:
    record_type: str
    logical_name: str
    entity_set: str
    id_column: str
    columns: tuple[str, ...]  # $select of an import / search
    phones: tuple[str, ...]  # the phone columns searched and imported
    open_filter: str = ""  # the rows that are live ("" = every row)

    def is_open(self, row: dict) -> bool:
        return not self.open_filter or row.get("statecode") in (0, None)

    def to_record(self, row: dict, url: str) -> CrmContact:
        if self.record_type == ACCOUNT:
            name = row.get("name") or ""
            first, last, company = "", name, name
        else:
            first, last = row.get("firstname") or "", row.get("lastname") or ""
            company = (
                row.get(f"_parentcustomerid_value@{FORMATTED}")
                if self.record_type == CONTACT
                else row.get("companyname")
            ) or ""
        return CrmContact(
            crm_id=row.get(self.id_column, ""),
            first_name=first,
            last_name=last,
            email=row.get("emailaddress1") or "",
            phones=[row[name] for name in self.phones if row.get(name)],
            account=company,
            owner_crm_id=row.get("_ownerid_value") or "",
            fields={k: v for k, v in row.items() if "@" not in k},
            modified_at=parse_datetime(row.get("modifiedon")),
            deleted=not self.is_open(row),
            url=url,
            type=self.record_type,
        )


_COMMON = ("emailaddress1", "_ownerid_value", "modifiedon")
ENTITIES = {
    CONTACT: Entity(
        CONTACT,
        "contact",
        "contacts",
        "contactid",
        ("contactid", "firstname", "lastname", "telephone1", "mobilephone", "telephone2")
        + ("_parentcustomerid_value", *_COMMON),
        ("telephone1", "mobilephone", "telephone2"),
    ),
    LEAD: Entity(
        LEAD,
        "lead",
        "leads",
        "leadid",
        ("leadid", "firstname", "lastname", "companyname", "subject", "telephone1")
        + ("mobilephone", "statecode", *_COMMON),
        ("telephone1", "mobilephone"),
        open_filter="statecode eq 0",
    ),
    ACCOUNT: Entity(
        ACCOUNT,
        "account",
        "accounts",
        "accountid",
        ("accountid", "name", "telephone1", "telephone2", "telephone3", *_COMMON),
        ("telephone1", "telephone2", "telephone3"),
    ),
}


def entity(record_type: str) -> Entity:
    try:
        return ENTITIES[record_type]
    except KeyError:
        raise ValueError(f"Dynamics 365 has no {record_type!r} records") from None
