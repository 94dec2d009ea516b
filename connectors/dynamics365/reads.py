"""Record reads of a Dataverse environment (mixed into Dynamics365Connector): contacts, leads
and accounts imported, counted, listed by id for the reconcile and searched by phone, and
contacts / leads created for unknown callers. The tables are described in entities.py."""

import re
from collections.abc import Iterator
from datetime import datetime

from connectors import http
from connectors.dynamics365 import entities, records
from connectors.dynamics365.client import FORMATTED, entity_id, odata_string
from connectors.errors import ConnectorError
from connectors.types import CONTACT, CrmContact, NewRecord

_NON_DIGITS = re.compile(r"\D")
TAIL_DIGITS = 9  # compare the last 9 digits: national and international forms agree there
MIN_TAIL_DIGITS = 6  # fewer digits (extensions, garbage) never match
SEARCH_TOP = 20  # rows per type a live phone search reads (one request, no paging)
ANNOTATED = f'odata.include-annotations="{FORMATTED}"'  # the account name of a contact


def digits(raw: str | None) -> str:
    return _NON_DIGITS.sub("", raw or "")[:64]


class DataverseRecords:
    def iter_contacts(
        self,
        modified_since: datetime | None = None,
        record_type: str = CONTACT,
        fields: list[str] | None = None,
    ) -> Iterator[list[CrmContact]]:
        """Pages of one record type, oldest change first.

        `fields` (mapped columns, contacts/metadata.py) are contact columns: other types read
        their standard columns only. A closed lead read incrementally comes back deleted=True.
        """
        spec = entities.entity(record_type)
        select = list(spec.columns)
        if record_type == CONTACT:
            select += [self._logical("field", f) for f in fields or [] if f not in select]
        params = {
            "$select": ",".join(select),
            "$orderby": f"modifiedon asc,{spec.id_column} asc",
            **self._import_filter(spec, modified_since),
        }
        for rows in self._pages(spec.entity_set, params):
            yield [self._record(spec, row) for row in rows]

    @staticmethod
    def _import_filter(spec: entities.Entity, modified_since: datetime | None) -> dict:
        """The rows an import reads (shared by iter_contacts and count_contacts): a full import
        the live rows; an incremental one every row changed, closed ones too (to drop them)."""
        if not modified_since:
            return {"$filter": spec.open_filter} if spec.open_filter else {}
        # ge, not gt: a record changed in the watermark's second is re-read, never missed.
        return {"$filter": f"modifiedon ge {records.iso(modified_since)}"}

    def count_contacts(
        self, modified_since: datetime | None = None, record_type: str = CONTACT
    ) -> int | None:
        """How many records iter_contacts(...) reads (the sync's progress total).

        `$count=true` is exact up to 5,000 rows. Above that a full import of a whole table
        asks RetrieveTotalRecordCount, a snapshot from the last 24 hours; an incremental one
        (or the open leads, a part of their table) cannot know: None rather than a wrong number.
        """
        spec = entities.entity(record_type)
        params = {"$select": spec.id_column, **self._import_filter(spec, modified_since)}
        count, capped = self.client.count(self.call_with_token, spec.entity_set, params)
        if not capped:
            return count
        if modified_since or spec.open_filter:
            return None
        total = self.client.total_record_count(self.call_with_token, spec.logical_name)
        # A snapshot below what $count already saw is stale (the table grew since): unknown.
        return total if total is not None and total >= count else None

    def _record(self, spec: entities.Entity, row: dict) -> CrmContact:
        url = self.record_url(spec.logical_name, row.get(spec.id_column, ""))
        return spec.to_record(row, url)

    def iter_contact_ids(self, record_type: str = CONTACT) -> Iterator[list[str]]:
        spec = entities.entity(record_type)
        params = {"$select": spec.id_column}
        if spec.open_filter:  # a qualified lead is gone from here: the reconcile drops it
            params["$filter"] = spec.open_filter
        for rows in self._pages(spec.entity_set, params):
            yield [row[spec.id_column] for row in rows]

    def find_contacts_by_phone(
        self, phone: str, record_types: tuple[str, ...] = (CONTACT,)
    ) -> list[CrmContact]:
        """One `$filter` request per type (first SEARCH_TOP rows), digits compared here."""
        wanted = digits(phone)
        if len(wanted) < MIN_TAIL_DIGITS:
            return []
        # Numbers are stored in any format ("+420 773 794 804", "(555) 123-4567"): search the
        # last four digits as typed and as commonly grouped, then compare digits here.
        last4 = wanted[-4:]
        fragments = sorted({last4} | {last4[:i] + sep + last4[i:] for i in (1, 2) for sep in " -."})
        found = []
        for record_type in dict.fromkeys(record_types):
            if record_type not in entities.ENTITIES:
                continue  # a type this CRM does not have finds nothing
            spec = entities.ENTITIES[record_type]
            clauses = " or ".join(
                f"contains({name},{odata_string(fragment)})"
                for name in spec.phones
                for fragment in fragments
            )
            condition = f"({clauses}) and {spec.open_filter}" if spec.open_filter else clauses
            params = {
                "$select": ",".join(spec.columns),
                "$filter": condition,
                "$top": str(SEARCH_TOP),
            }
            rows = self._get(spec.entity_set, params=params, prefer=ANNOTATED).get("value") or []
            for row in rows:
                phones = [row.get(name) for name in spec.phones]
                if any(_same_number(p, wanted) for p in phones if p):
                    found.append(self._record(spec, row))
        return found

    def create_record(self, record: NewRecord) -> CrmContact:
        """POST /contacts or /leads with `Prefer: return=representation`: the row as stored.

        Dataverse has no key of ours on contacts and leads: the lookup searches by phone
        before it creates, so a retry finds the record instead of making a second one.
        """
        try:
            body = records.new_record_body(record)
        except ValueError as exc:
            raise ConnectorError(str(exc), permanent=True) from exc
        spec = entities.entity(record.type)
        path = f"{spec.entity_set}?$select={','.join(spec.columns)}"
        response = self.call_with_token(
            lambda token: self.client.send(
                token, "POST", path, json=body, prefer="return=representation"
            )
        )
        row = http.json_body(response) if response.content else {}
        if not isinstance(row, dict) or not row.get(spec.id_column):
            row = {**body, spec.id_column: entity_id(response.headers)}
        if not row.get(spec.id_column):
            raise ConnectorError("Dataverse did not return the new record's id")
        return self._record(spec, row)


def _same_number(stored: str, wanted: str) -> bool:
    have = digits(stored)
    n = min(len(have), len(wanted), TAIL_DIGITS)
    return n >= MIN_TAIL_DIGITS and have[-n:] == wanted[-n:]
