"""Microsoft Dynamics 365 / Dataverse: msal client-credentials tokens, Web API v9.2 reads.

Writes (phonecalls in $batch, incidents; idempotent by alternate key) are in writes.py.
"""

import re
from collections.abc import Iterator
from datetime import datetime
from functools import cached_property

from connectors import http
from connectors.base import Installation
from connectors.dynamics365 import records
from connectors.dynamics365.auth import TokenSource
from connectors.dynamics365.client import (
    DataverseClient,
    odata_string,
)
from connectors.dynamics365.writes import DataverseWrites
from connectors.errors import ConnectorError
from connectors.types import (
    CrmContact,
    CrmField,
    CrmQueue,
    CrmUser,
    Token,
)

_LOGICAL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
_NON_DIGITS = re.compile(r"\D")
TAIL_DIGITS = 9  # compare the last 9 digits: national and international forms agree there
MIN_TAIL_DIGITS = 6  # fewer digits (extensions, garbage) never match


def digits(raw: str | None) -> str:
    return _NON_DIGITS.sub("", raw or "")[:64]


class Dynamics365Connector(DataverseWrites, Installation):
    """One Dataverse environment (its provider: connectors/dynamics365/provider.py)."""

    page_size = 500  # Prefer: odata.maxpagesize

    @cached_property
    def http_session(self):
        return self.session or http.default_session()

    @cached_property
    def client(self) -> DataverseClient:
        return DataverseClient(self.settings["instance_url"], self.http_session)

    @cached_property
    def tokens(self) -> TokenSource:
        return TokenSource(self.settings, self.credentials, self.http_session)

    def _logical(self, setting: str, default: str) -> str:
        name = self.settings.get(setting) or default
        if not _LOGICAL_NAME.match(name):
            raise ConnectorError(f"{setting} {name!r} is not a column logical name", True)
        return name

    @property
    def call_key_field(self) -> str:
        return self._logical("phonecall_key_field", "cc_callkey")

    @property
    def ticket_key_field(self) -> str:
        return self._logical("incident_key_field", "cc_ticketkey")

    # --- token + reads ---------------------------------------------------------------------

    def fetch_token(self) -> Token:
        return self.tokens.fetch()

    def _get(self, path: str, **kwargs) -> dict:
        return self.call_with_token(lambda token: self.client.get_json(token, path, **kwargs))

    def _pages(self, path: str, params: dict) -> Iterator[list[dict]]:
        return self.client.pages(self.call_with_token, path, params, self.page_size)

    def test_connection(self) -> dict:
        who = self._get("WhoAmI")
        return {
            "user_id": who.get("UserId", ""),
            "organization_id": who.get("OrganizationId", ""),
            "business_unit_id": who.get("BusinessUnitId", ""),
            "environment": self.client.instance_url,
            "application_user": who.get("UserId", ""),
        }

    def describe_fields(self, crm_object: str = "contact") -> list[CrmField]:
        name = self._logical("object", crm_object.lower())
        select = "LogicalName,AttributeType,DisplayName,IsValidForCreate,AttributeOf"
        path = f"EntityDefinitions(LogicalName={odata_string(name)})/Attributes"
        rows = self._get(path, params={"$select": select}).get("value") or []
        fields = []
        for row in rows:
            if row.get("AttributeOf"):  # shadow columns such as the name of a lookup
                continue
            label = ((row.get("DisplayName") or {}).get("UserLocalizedLabel") or {}).get("Label")
            fields.append(
                CrmField(
                    name=row["LogicalName"],
                    label=label or row["LogicalName"],
                    type=row.get("AttributeType", ""),
                    createable=bool(row.get("IsValidForCreate", True)),
                )
            )
        return sorted(fields, key=lambda f: f.name)

    def iter_contacts(
        self, modified_since: datetime | None = None, fields: list[str] | None = None
    ) -> Iterator[list[CrmContact]]:
        select = list(records.CONTACT_FIELDS)
        select += [self._logical("field", f) for f in fields or [] if f not in select]
        params = {
            "$select": ",".join(select),
            "$orderby": "modifiedon asc,contactid asc",
            **self._import_filter(modified_since),
        }
        for rows in self._pages("contacts", params):
            yield [self._contact(row) for row in rows]

    @staticmethod
    def _import_filter(modified_since: datetime | None) -> dict:
        """The rows an import reads (shared by iter_contacts and count_contacts)."""
        if not modified_since:
            return {}
        # ge, not gt: a contact changed in the watermark's second is re-read, never missed.
        return {"$filter": f"modifiedon ge {records.iso(modified_since)}"}

    def count_contacts(self, modified_since: datetime | None = None) -> int | None:
        """How many contacts iter_contacts(modified_since) reads (the sync's progress total).

        `$count=true` is exact up to 5,000 rows. Above that a full import (the whole table)
        asks RetrieveTotalRecordCount, a snapshot from the last 24 hours; an incremental one
        cannot know: None rather than a wrong number.
        """
        params = {"$select": "contactid", **self._import_filter(modified_since)}
        count, capped = self.client.count(self.call_with_token, "contacts", params)
        if not capped:
            return count
        if modified_since:
            return None
        total = self.client.total_record_count(self.call_with_token, "contact")
        # A snapshot below what $count already saw is stale (the table grew since): unknown.
        return total if total is not None and total >= count else None

    def _contact(self, row: dict) -> CrmContact:
        return records.to_contact(row, self.record_url("contact", row.get("contactid", "")))

    def iter_contact_ids(self) -> Iterator[list[str]]:
        for rows in self._pages("contacts", {"$select": "contactid"}):
            yield [row["contactid"] for row in rows]

    def find_contacts_by_phone(self, phone: str) -> list[CrmContact]:
        wanted = digits(phone)
        if len(wanted) < MIN_TAIL_DIGITS:
            return []
        # Numbers are stored in any format ("+420 773 794 804", "(555) 123-4567"): search the
        # last four digits as typed and as commonly grouped, then compare digits here.
        last4 = wanted[-4:]
        fragments = {last4} | {last4[:i] + sep + last4[i:] for i in (1, 2) for sep in " -."}
        clauses = [
            f"contains({name},{odata_string(fragment)})"
            for name in records.PHONE_FIELDS
            for fragment in sorted(fragments)
        ]
        params = {"$select": ",".join(records.CONTACT_FIELDS), "$filter": " or ".join(clauses)}
        found = []
        for rows in self._pages("contacts", params):
            for row in rows:
                phones = [row.get(name) for name in records.PHONE_FIELDS]
                if any(_same_number(p, wanted) for p in phones if p):
                    found.append(self._contact(row))
        return found

    def list_users(self) -> list[CrmUser]:
        params = {"$select": "systemuserid,internalemailaddress,fullname,isdisabled"}
        return [
            CrmUser(
                crm_id=row["systemuserid"],
                email=row.get("internalemailaddress") or "",
                name=row.get("fullname") or "",
                active=not row.get("isdisabled"),
            )
            for rows in self._pages("systemusers", params)
            for row in rows
        ]

    def list_queues(self) -> list[CrmQueue]:
        params = {"$select": "queueid,name,_ownerid_value"}
        return [
            CrmQueue(
                crm_id=row["queueid"],
                name=row.get("name") or "",
                owner_crm_id=row.get("_ownerid_value") or "",
            )
            for rows in self._pages("queues", params)
            for row in rows
        ]

    def record_url(self, crm_object: str, crm_id: str) -> str:
        base = self.settings.get("instance_url", "").rstrip("/")
        return f"{base}/main.aspx?pagetype=entityrecord&etn={crm_object.lower()}&id={crm_id}"


def _same_number(stored: str, wanted: str) -> bool:
    have = digits(stored)
    n = min(len(have), len(wanted), TAIL_DIGITS)
    return n >= MIN_TAIL_DIGITS and have[-n:] == wanted[-n:]
