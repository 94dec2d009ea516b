"""Customers and corporate customers of a retailCRM account (mixed into RetailCRMConnector).

retailCRM has no leads. Its customers are our contacts (GET /api/v5/customers), its corporate
customers our accounts (GET /api/v5/customers-corporate). A corporate customer has no phone
or email of its own: it has contact persons (`customerContacts`, each an individual customer),
and their numbers are the account's (mapping.corporate_from).

Changes come from each kind's history (`/customers/history`, `/customers-corporate/history`,
filter[startDate]): `filter[dateFrom]` on the lists is the *creation* date. A new number on a
contact person is in the customers' history, not the corporate one: the account picks it up at
the next full import or reconcile.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from connectors.errors import ConnectorError
from connectors.retailcrm.mapping import (
    contact_from,
    contact_person_ids,
    corporate_from,
    crm_time,
    new_customer,
    parse_time,
    same_number,
)
from connectors.types import ACCOUNT, CONTACT, CrmContact, NewRecord
from portal.phones import tail

PAGE = 100  # retailCRM accepts limit 20, 50 or 100 only
SEARCH_LIMIT = 20  # records a live phone search reads per kind (one page)


@dataclass(frozen=True)
class Kind:
    path: str  # the list endpoint (its history: path + "/history")
    key: str  # the list in its answer


KINDS = {
    CONTACT: Kind("/customers", "customers"),
    ACCOUNT: Kind("/customers-corporate", "customersCorporate"),
}


def kind_of(record_type: str) -> Kind:
    try:
        return KINDS[record_type]
    except KeyError:
        raise ValueError(f"retailCRM has no {record_type!r} records") from None


class RetailRecords:
    def _pages_of(self, kind: Kind, filters: dict, limit: int = PAGE) -> Iterator[list[dict]]:
        page, total = 1, 1
        while page <= total:
            data = self.client.get(kind.path, {"filter": filters, "limit": limit, "page": page})
            yield data.get(kind.key) or []
            total = int((data.get("pagination") or {}).get("totalPageCount") or 0)
            page += 1

    def _customer_pages(self, filters: dict) -> Iterator[list[dict]]:
        return self._pages_of(KINDS[CONTACT], filters)

    def iter_contacts(
        self,
        modified_since: datetime | None = None,
        record_type: str = CONTACT,
        fields: list[str] | None = None,
    ) -> Iterator[list[CrmContact]]:
        kind = kind_of(record_type)
        if modified_since is None:
            for rows in self._pages_of(kind, {}):
                yield self._records(record_type, rows)
            return
        changed, deleted = self._changed_since(kind, modified_since)
        if deleted:
            yield [
                CrmContact(crm_id=i, deleted=True, modified_at=deleted[i], type=record_type)
                for i in sorted(deleted)
            ]
        ids = sorted(set(changed) - set(deleted), key=int)
        for start in range(0, len(ids), PAGE):
            for rows in self._pages_of(kind, {"ids": ids[start : start + PAGE]}):
                records = self._records(record_type, rows)
                for record in records:  # the change time, so the sync's high-water mark moves
                    record.modified_at = changed.get(record.crm_id) or record.modified_at
                yield records

    def _changed_since(self, kind: Kind, since: datetime) -> tuple[dict, dict]:
        """({changed id: last change time}, {deleted id: deletion time}) from the history."""
        changed, deleted = {}, {}
        page, total = 1, 1
        while page <= total:
            data = self.client.get(
                f"{kind.path}/history",
                {"filter": {"startDate": crm_time(since, self.tz)}, "limit": PAGE, "page": page},
            )
            for entry in data.get("history") or []:
                cid = str((entry.get("customer") or {}).get("id") or "")
                if cid:
                    when = parse_time(entry.get("createdAt"), self.tz)
                    target = deleted if entry.get("deleted") else changed
                    target[cid] = max(filter(None, (target.get(cid), when)), default=None)
            total = int((data.get("pagination") or {}).get("totalPageCount") or 0)
            page += 1
        return changed, deleted

    def count_contacts(
        self, modified_since: datetime | None = None, record_type: str = CONTACT
    ) -> int | None:
        """Total for the sync's progress bar (unknown for incremental runs)."""
        kind = kind_of(record_type)
        if modified_since is not None:
            return None
        data = self.client.get(kind.path, {"limit": 20, "page": 1})
        return int((data.get("pagination") or {}).get("totalCount") or 0)

    def iter_contact_ids(self, record_type: str = CONTACT) -> Iterator[list[str]]:
        for rows in self._pages_of(kind_of(record_type), {}):
            yield [str(row["id"]) for row in rows]

    def _records(self, record_type: str, rows: list[dict], people: dict | None = None) -> list:
        if record_type == CONTACT:
            return [self._contact(c) for c in rows]
        people = dict(people or {})
        missing = {i for row in rows for i in contact_person_ids(row)} - set(people)
        for start in range(0, len(missing), PAGE):  # one request per page of accounts
            chunk = sorted(missing)[start : start + PAGE]
            for customers in self._customer_pages({"ids": chunk}):
                people.update({c["id"]: c for c in customers})
        return [
            corporate_from(row, people, self.tz, self.record_url("Account", str(row["id"])))
            for row in rows
        ]

    def _contact(self, customer: dict) -> CrmContact:
        return contact_from(customer, self.tz, self.record_url("Contact", str(customer["id"])))

    def find_contacts_by_phone(
        self, phone: str, record_types: tuple[str, ...] = (CONTACT,)
    ) -> list[CrmContact]:
        """Customers by `filter[name]` (it searches phone numbers in any format); corporate
        customers by `filter[contactIds][]`, the customers that number belongs to."""
        digits_tail = tail(phone)
        wanted = [t for t in dict.fromkeys(record_types) if t in KINDS]
        if not digits_tail or not wanted:
            return []
        data = self.client.get(
            "/customers", {"filter": {"name": digits_tail}, "limit": SEARCH_LIMIT}
        )
        region = getattr(self.account.tenant, "default_region", "") or "CZ"
        people = {
            c["id"]: c
            for c in data.get("customers") or []
            if any(same_number(phone, p.get("number", ""), region) for p in c.get("phones") or [])
        }
        found = [self._contact(c) for c in people.values()] if CONTACT in wanted else []
        if ACCOUNT in wanted and people:
            filters = {"contactIds": sorted(people)}
            corporate = self.client.get(
                KINDS[ACCOUNT].path, {"filter": filters, "limit": SEARCH_LIMIT}
            )
            found += self._records(ACCOUNT, corporate.get("customersCorporate") or [], people)
        return found

    def create_record(self, record: NewRecord) -> CrmContact:
        """POST /customers/create (retailCRM has no leads), then read the customer back.

        Our key is the customer's externalId, which retailCRM keeps unique: a retry that finds
        the create refused reads the customer made the first time instead of a second one.
        """
        if record.type != CONTACT:
            raise ConnectorError(f"retailCRM cannot create {record.type!r} records", True)
        fields = {"customer": new_customer(record)}
        if self.settings.get("site"):
            fields["site"] = self.settings["site"]
        try:
            crm_id = str(self.client.post("/customers/create", fields).get("id") or "")
            by = "id"
        except ConnectorError as exc:
            if exc.status != 400 or "externalId" not in exc.message:
                raise
            crm_id, by = record.key, "externalId"
        if not crm_id:
            raise ConnectorError("retailCRM did not return the new customer's id")
        params = {
            "by": by,
            **({"site": self.settings["site"]} if self.settings.get("site") else {}),
        }
        data = self.client.get(f"/customers/{quote(crm_id, safe='')}", params)
        return self._contact(data.get("customer") or {"id": crm_id})
