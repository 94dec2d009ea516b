"""The Salesforce simulator's data: records, SOQL evaluation with query locators, SOSL, writes.

Callers (app.py) hold the simulator's lock around every method.
"""

import itertools
import re
import secrets
from collections import OrderedDict
from datetime import UTC, date, datetime

from simulators.salesforce import data as sim_data
from simulators.salesforce import people
from simulators.salesforce.soql_engine import Query, Search, SoqlError, matches
from simulators.salesforce.writes import WriteMixin, sf_error

API_PATH = "/services/data/v62.0"
MAX_CURSORS = 200


def _value(value):
    if isinstance(value, datetime):
        return sim_data.iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def phone_match(term_digits: str, stored: str | None) -> bool:
    """Suffix match of the digits (leading zeros dropped), at least 7 digits in common."""
    a = term_digits.lstrip("0")
    b = re.sub(r"\D", "", stored or "").lstrip("0")
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 7 and long_.endswith(short)


class Cursor:
    def __init__(self, rows, total: int, page_size: int):
        self.rows, self.total, self.page_size = rows, total, page_size
        self.offset = 0  # rows handed out so far
        self.last: tuple[int, dict] | None = None  # (offset, page) for a retried request


class Store(WriteMixin):
    def __init__(self, seed_contacts: int = 50, person_accounts: bool = True):
        self.person_accounts = person_accounts
        self.records: dict[str, dict[str, dict]] = {obj: {} for obj in self.schema}
        users = sim_data.seed_users()
        accounts = sim_data.seed_accounts()
        owners = [u["Id"] for u in users if u["IsActive"]]
        for n, account in enumerate(accounts):
            account["OwnerId"] = owners[n % len(owners)]
            if person_accounts:
                account["IsPersonAccount"] = False
        self._put("User", users)
        self._put("Account", accounts)
        self._put("Group", sim_data.seed_groups(users[0]["Id"]))
        self._put("Contact", sim_data.seed_contacts(users, accounts, seed_contacts))
        self._put("Lead", people.seed_leads(owners))
        self.counters = {obj: len(rows) for obj, rows in self.records.items()}
        if person_accounts:
            self._put("Account", people.seed_person_accounts(owners))
        self.owners = owners
        self.accounts = accounts
        self.generated = 0
        self.overrides: dict[int, dict] = {}  # generated contacts a test changed or deleted
        self.external_ids = {"Task": {"CC_Call_Key__c"}, "Case": {"CC_Ticket_Key__c"}}
        self.cursors: OrderedDict[str, Cursor] = OrderedDict()
        self.ext_index: dict[tuple[str, str], dict[str, str]] = {}  # (object, field) -> value -> Id

    @property
    def schema(self) -> dict[str, list[dict]]:
        """Read from sim_data each time: tests patch sim_data.SCHEMA (a field removed)."""
        return sim_data.schema(self.person_accounts)

    def _put(self, sobject: str, rows: list[dict]) -> None:
        for row in rows:
            row.setdefault("IsDeleted", False)
            self.records[sobject][row["Id"]] = row

    # --- lookups -------------------------------------------------------------------------

    def api_user(self) -> dict:
        return self.user_by_username("api@acme-sim.example.com")

    def user_by_username(self, username: str) -> dict | None:
        return next((u for u in self.records["User"].values() if u["Username"] == username), None)

    def by_key(self, sobject: str, field: str) -> dict:
        return {r.get(field) or r["Id"]: r for r in self.records[sobject].values()}

    def by_external(self, sobject: str, field: str, value) -> dict | None:
        crm_id = self.ext_index.get((sobject, field), {}).get(value)
        if crm_id is None and field not in self.external_ids.get(sobject, ()):
            return next((r for r in self.records[sobject].values() if r.get(field) == value), None)
        return self.records[sobject].get(crm_id) if crm_id else None

    def generated_contact(self, i: int) -> dict:
        return self.overrides.get(i) or sim_data.generated_contact(i, self.owners, self.accounts)

    def get(self, sobject: str, crm_id: str) -> dict | None:
        index = sim_data.generated_index(crm_id) if sobject == "Contact" else None
        if index is not None and index < self.generated:
            return self.generated_contact(index)
        return self.records.get(sobject, {}).get(crm_id)

    def find(self, crm_id: str | None) -> tuple[str, dict] | tuple[None, None]:
        sobject = sim_data.OBJECT_BY_PREFIX.get((crm_id or "")[:3])
        record = self.get(sobject, crm_id) if sobject else None
        return (sobject, record) if record and not record.get("IsDeleted") else (None, None)

    def rows(self, sobject: str):
        """Every record in Id order (generated contacts are 003Gn..., sorted before 003Sm...)."""
        if sobject == "Contact":
            yield from (self.generated_contact(i) for i in range(self.generated))
        yield from (self.records[sobject][k] for k in sorted(self.records[sobject]))

    # --- records changed by tests (as a user would in the org, after we started) ---------

    def add_record(self, sobject: str, fields: dict) -> dict:
        """A Contact, Lead or Account created now (any field, read-only ones included)."""
        self.counters[sobject] += 1
        now = datetime.now(UTC).replace(microsecond=0)  # Salesforce stamps whole seconds
        row = {f["name"]: None for f in self.schema[sobject]}
        row.update(
            Id=sim_data.make_id(sobject, self.counters[sobject]),
            IsDeleted=False,
            OwnerId=self.owners[0],
            CreatedDate=now,
            LastModifiedDate=now,
            SystemModstamp=now,
        )
        if sobject == "Lead":
            row.update(IsConverted=False, Status="Open - Not Contacted")
        if sobject == "Account" and "IsPersonAccount" in row:
            row["IsPersonAccount"] = bool(fields.get("LastName"))  # a person has a last name
        row.update(fields)
        if sobject in ("Lead", "Account") and row.get("LastName"):
            row["Name"] = " ".join(p for p in (row.get("FirstName"), row["LastName"]) if p)
        self.records[sobject][row["Id"]] = row
        return row

    def update_record(self, sobject: str, crm_id: str, fields: dict) -> dict:
        row = self.get(sobject, crm_id)
        if row is None:
            raise KeyError(crm_id)
        index = sim_data.generated_index(crm_id) if sobject == "Contact" else None
        if index is not None:
            row = self.overrides[index] = dict(row)
        now = datetime.now(UTC).replace(microsecond=0)  # Salesforce stamps whole seconds
        row.update(fields, LastModifiedDate=now, SystemModstamp=now)
        return row

    def convert_lead(self, crm_id: str) -> dict:
        """Lead conversion: a new Contact, the Lead marked converted (it stays, read-only)."""
        lead = self.records["Lead"][crm_id]
        contact = self.add_record(
            "Contact",
            {
                k: lead.get(k)
                for k in ("FirstName", "LastName", "Email", "Phone", "MobilePhone", "OwnerId")
            },
        )
        self.update_record(
            "Lead",
            crm_id,
            {
                "IsConverted": True,
                "Status": "Closed - Converted",
                "ConvertedContactId": contact["Id"],
            },
        )
        return contact

    def add_contact(self, fields: dict) -> dict:
        return self.add_record("Contact", fields)

    def update_contact(self, crm_id: str, fields: dict) -> dict:
        return self.update_record("Contact", crm_id, fields)

    def delete_contact(self, crm_id: str) -> None:
        self.update_record("Contact", crm_id, {"IsDeleted": True})

    # --- SOQL ----------------------------------------------------------------------------

    def _schema(self, name: str) -> tuple[str, dict]:
        for sobject, fields in self.schema.items():
            if sobject.lower() == name.lower():
                return sobject, {f["name"].lower(): f for f in fields}
        raise sf_error(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.")

    def _field(self, sobject: str, fields: dict, name: str) -> tuple[str, ...]:
        """Canonical ("Email",) or ("Account", "Name") for a relationship; sf_error if unknown."""
        head, _, sub = name.partition(".")
        if not sub:
            if head.lower() not in fields:
                raise sf_error(
                    400, "INVALID_FIELD", f"No such column '{name}' on entity '{sobject}'"
                )
            return (fields[head.lower()]["name"],)
        ref = fields.get(f"{head.lower()}id")
        targets = (ref or {}).get("referenceTo") or []
        if not targets:
            raise sf_error(
                400,
                "INVALID_FIELD",
                f"Didn't understand relationship '{head}' in field path '{name}'",
            )
        _target, target_fields = self._schema(targets[0])
        if sub.lower() not in target_fields:
            raise sf_error(400, "INVALID_FIELD", f"No such column '{sub}' on entity '{targets[0]}'")
        return ref["name"][:-2], target_fields[sub.lower()]["name"]

    def _projector(self, sobject: str, paths: list[tuple[str, ...]]):
        """A function row -> API record, planned once per query (bulk pages stay fast)."""
        types = {f["name"]: f["type"] for f in self.schema[sobject]}
        plain = [p[0] for p in paths if len(p) == 1 and types.get(p[0]) not in ("datetime", "date")]
        dated = [p[0] for p in paths if len(p) == 1 and p[0] not in plain]
        related = [p for p in paths if len(p) == 2]
        prefix = f"{API_PATH}/sobjects/{sobject}/"
        targets: dict[str, tuple] = {}  # id -> (type, row) cache for relationship fields

        def project(row: dict) -> dict:
            out = {"attributes": {"type": sobject, "url": prefix + row["Id"]}}
            for name in plain:
                out[name] = row.get(name)
            for name in dated:
                out[name] = _value(row.get(name))
            for rel, sub in related:
                ref = row.get(f"{rel}Id")
                if ref not in targets:
                    targets[ref] = self.find(ref)
                target_type, target = targets[ref]
                if target is None:
                    out[rel] = None
                    continue
                if not out.get(rel):
                    url = f"{API_PATH}/sobjects/{target_type}/{target['Id']}"
                    out[rel] = {"attributes": {"type": target_type, "url": url}}
                out[rel][sub] = _value(target.get(sub))
            return out

        return project

    def query(self, q: Query, include_deleted: bool, page_size: int, base_path: str) -> dict:
        sobject, fields = self._schema(q.sobject)
        paths = [self._field(sobject, fields, f) for f in q.fields]
        where = []
        for cond in q.where:
            path = self._field(sobject, fields, cond.field)
            if len(path) != 1:
                raise SoqlError("relationship fields in WHERE are not supported by the simulator")
            where.append((path[0], cond))

        def wanted(row: dict) -> bool:
            if row.get("IsDeleted") and not include_deleted:
                return False
            return all(matches(cond, row.get(name)) for name, cond in where)

        order = [(self._field(sobject, fields, f)[0], desc) for f, desc in q.order]
        if order and order != [("Id", False)]:
            rows = [r for r in self.rows(sobject) if wanted(r)]
            for name, desc in reversed(order):  # stable sorts, last key first; nulls last
                rows.sort(key=lambda r, n=name: (r.get(n) is None, r.get(n) or 0), reverse=desc)
            total = len(rows)
            source = iter(rows)
        else:
            total = self._count(sobject, where, include_deleted, wanted)
            source = filter(wanted, self.rows(sobject))
        if q.limit is not None:
            total = min(total, q.limit)
            source = itertools.islice(source, q.limit)
        if q.count:
            return {"totalSize": total, "done": True, "records": []}
        cursor = Cursor(map(self._projector(sobject, paths), source), total, page_size)
        return self._page(cursor, secrets.token_hex(8), base_path)

    def _count(self, sobject, where, include_deleted, wanted) -> int:
        if sobject == "Contact" and not where and not include_deleted:  # the bulk import: O(1)-ish
            stored = sum(1 for r in self.records["Contact"].values() if not r.get("IsDeleted"))
            deleted = sum(
                1 for i, r in self.overrides.items() if i < self.generated and r.get("IsDeleted")
            )
            return stored + self.generated - deleted
        return sum(1 for r in self.rows(sobject) if wanted(r))

    def _page(self, cursor: Cursor, locator: str, base_path: str) -> dict:
        start = cursor.offset
        records = list(itertools.islice(cursor.rows, cursor.page_size))
        cursor.offset += len(records)
        done = cursor.offset >= cursor.total or len(records) < cursor.page_size
        page = {"totalSize": cursor.total, "done": done, "records": records}
        if not done:
            page["nextRecordsUrl"] = f"{base_path}/{locator}-{cursor.offset}"
            self.cursors[locator] = cursor
            self.cursors.move_to_end(locator)
            while len(self.cursors) > MAX_CURSORS:
                self.cursors.popitem(last=False)
        else:
            self.cursors.pop(locator, None)
        cursor.last = (start, page)
        return page

    def more(self, locator: str, offset: int) -> dict | None:
        cursor = self.cursors.get(locator)
        if cursor is None:
            return None
        if cursor.last and cursor.last[0] == offset:  # the client retried the same page
            return cursor.last[1]
        if offset != cursor.offset:
            return None
        base_path = cursor.last[1]["nextRecordsUrl"].rsplit("/", 1)[0]
        return self._page(cursor, locator, base_path)

    # --- SOSL ----------------------------------------------------------------------------

    def phone_fields(self, sobject: str) -> list[str]:
        return [f["name"] for f in self.schema[sobject] if f["type"] == "phone"]

    def search(self, s: Search) -> list[dict]:
        """searchRecords: each RETURNING object in order, its WHERE and LIMIT, then the LIMIT."""
        digits = [re.sub(r"\D", "", t) for t in s.terms]
        out: list[dict] = []
        for q in s.returning:
            sobject, fields = self._schema(q.sobject)
            paths = [self._field(sobject, fields, f) for f in q.fields]
            where = [(self._field(sobject, fields, c.field)[0], c) for c in q.where]
            rows = [
                r
                for r in self._search_rows(sobject, s.scope, s.terms, digits)
                if not r.get("IsDeleted") and all(matches(c, r.get(n)) for n, c in where)
            ]
            project = self._projector(sobject, paths)
            out += [project(r) for r in rows[: q.limit or 2000]]
        return out[: s.limit or 2000]

    def _search_rows(self, sobject: str, scope: str, terms: list[str], digits: list[str]):
        found: dict[str, dict] = {}
        if scope == "PHONE":
            phones = self.phone_fields(sobject)
            if sobject == "Contact":
                for d in digits:
                    i = sim_data.generated_index_for_digits(d, self.generated)
                    if i is not None:
                        row = self.generated_contact(i)
                        if any(phone_match(d, row.get(f)) for f in phones):
                            found[row["Id"]] = row
            for row in self.records[sobject].values():
                if any(phone_match(d, row.get(f)) for d in digits for f in phones):
                    found[row["Id"]] = row
        else:
            words = [t.lower() for t in terms]
            for row in self.records[sobject].values():
                text = " ".join(str(v) for v in row.values() if isinstance(v, str)).lower()
                if any(w in text for w in words):
                    found[row["Id"]] = row
        return [found[k] for k in sorted(found)]
