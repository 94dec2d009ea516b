"""Customers and corporate customers of the retailCRM simulator (mixed into RetailCRMSimulator).

- GET /api/v5/customers (filter[name] searches names, email and phones in any format,
  filter[ids][], filter[dateFrom] = created on or after, filter[email]), GET /customers/{id}
  (?by=id|externalId), POST /customers/create (form field `customer` = JSON, `site` when the
  key reaches several sites; an externalId is unique), GET /customers/history.
- GET /api/v5/customers-corporate (filter[ids][], filter[contactIds][] = corporate customers
  whose contact persons are those customers, filter[nickName][]), GET /customers-corporate/history.
Ids of both share one sequence, as in retailCRM. Test helpers record a history entry for every
change, like a user's edit: add_customer, update_customer, delete_customer, add_corporate,
update_corporate, delete_corporate.
"""

from urllib.parse import unquote

from simulators.retailcrm.data import corporate_row
from simulators.retailcrm.telephony import fail


def _digits(value) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())


def _listed(query: dict, name: str) -> list[str]:
    value = query.get(f"filter[{name}][]")
    return [] if value is None else (value if isinstance(value, list) else [value])


class CustomerEndpoints:
    HISTORY = {"customer": "history", "corporate": "corporate_log"}  # the lists of entries

    # --- helpers for tests -----------------------------------------------------------------

    def _next_id(self) -> int:
        return max([*self.customers, *self.corporate, 300]) + 1

    def add_customer(self, **fields) -> dict:
        with self.lock:
            cid = fields.pop("id", None) or self._next_id()
            self.customers[cid] = {
                "type": "customer",
                "id": cid,
                "externalId": None,
                "firstName": "",
                "lastName": "",
                "email": "",
                "phones": [],
                "site": "main",
                "createdAt": self.now(),
                "customFields": {},
                **fields,
            }
            self._log(cid, created=True, field="id", oldValue=None, newValue=cid)
        return self.customers[cid]

    def update_customer(self, cid: int, **changes) -> None:
        self._update("customer", self.customers, cid, changes)

    def delete_customer(self, cid: int) -> None:
        with self.lock:
            self.customers.pop(cid)
            self._log(cid, field="id", deleted=True, oldValue=cid, newValue=None)

    def add_corporate(self, nick: str, contacts: list[int], manager: int = 8) -> dict:
        with self.lock:
            cid = self._next_id()
            self.corporate[cid] = corporate_row(cid, nick, manager, contacts, self.now())
            self._log(cid, "corporate", created=True, field="id", oldValue=None, newValue=cid)
        return self.corporate[cid]

    def update_corporate(self, cid: int, **changes) -> None:
        self._update("corporate", self.corporate, cid, changes)

    def delete_corporate(self, cid: int) -> None:
        with self.lock:
            self.corporate.pop(cid)
            self._log(cid, "corporate", field="id", deleted=True, oldValue=cid, newValue=None)

    def _update(self, kind: str, rows: dict, cid: int, changes: dict) -> None:
        with self.lock:
            for field, value in changes.items():
                old = rows[cid].get(field)
                rows[cid][field] = value
                self._log(cid, kind, field=field, oldValue=old, newValue=value)

    def _log(self, cid: int, kind: str = "customer", **entry) -> None:
        history = getattr(self, self.HISTORY[kind])
        history.append(
            {
                "id": len(history) + 1,
                "createdAt": self.now(),
                "source": "user",
                "customer": {"id": cid},
                **entry,
            }
        )

    # --- customers ---------------------------------------------------------------------------

    def _by_phone(self, phone) -> list[dict]:
        wanted = _digits(phone)
        if len(wanted) < 5:
            return []
        return [
            c
            for c in self.customers.values()
            if any(
                wanted[-9:] in _digits(p.get("number")) or _digits(p.get("number"))[-9:] in wanted
                for p in c.get("phones") or []
                if len(_digits(p.get("number"))) >= 5
            )
        ]

    def list_customers(self, request):
        self._auth(request)
        q = request.query
        rows = list(self.customers.values())
        if name := q.get("filter[name]"):
            text = str(name).lower()
            by_phone = {c["id"] for c in self._by_phone(name)}
            rows = [
                c
                for c in rows
                if c["id"] in by_phone
                or text in f"{c['firstName']} {c['lastName']} {c['email']}".lower()
            ]
        if ids := _listed(q, "ids"):
            wanted = {int(i) for i in ids}
            rows = [c for c in rows if c["id"] in wanted]
        if date_from := q.get("filter[dateFrom]"):
            rows = [c for c in rows if c["createdAt"][:10] >= str(date_from)[:10]]
        if email := q.get("filter[email]"):
            rows = [c for c in rows if c["email"] == email]
        return self._page(request, sorted(rows, key=lambda c: c["id"]), "customers")

    def get_customer(self, request):
        self._auth(request)
        uid, by = unquote(request.match["uid"]), request.query.get("by", "externalId")
        if by == "id":
            customer = self.customers.get(int(uid)) if uid.isdigit() else None
        else:
            customer = next((c for c in self.customers.values() if c["externalId"] == uid), None)
        if customer is None:
            raise fail(404, "Not found")
        return {"success": True, "customer": customer}

    def create_customer(self, request):
        self._auth(request)
        customer = self._json_field(request, "customer")
        site = request.form().get("site")
        if not isinstance(customer, dict):
            raise fail(400, "Errors in the entity format", {"customer": "Not an object"})
        if site is None and len(self.sites) > 1:
            raise fail(400, 'Parameter "site" is missing')
        external = customer.get("externalId")
        with self.lock:
            if external and any(c["externalId"] == external for c in self.customers.values()):
                raise fail(
                    400,
                    "Errors in the entity format",
                    {"externalId": "Customer with this externalId already exists."},
                )
            allowed = ("firstName", "lastName", "patronymic", "email", "phones", "managerId")
            row = {k: customer[k] for k in allowed if k in customer}
            row = self.add_customer(externalId=external, site=site or self.sites[0], **row)
            self.created_customers.append(row["id"])
        return 201, {"success": True, "id": row["id"]}, {}

    def customers_history(self, request):
        return self._history(request, self.history)

    def _history(self, request, rows: list[dict]):
        self._auth(request)
        if start := request.query.get("filter[startDate]"):
            rows = [h for h in rows if h["createdAt"] >= str(start)]
        return self._page(request, rows, "history")

    # --- corporate customers -----------------------------------------------------------------

    def list_corporate(self, request):
        self._auth(request)
        rows = list(self.corporate.values())
        if ids := _listed(request.query, "ids"):
            rows = [c for c in rows if str(c["id"]) in ids]
        if contacts := _listed(request.query, "contactIds"):
            rows = [
                c
                for c in rows
                if any(str(p["customer"]["id"]) in contacts for p in c["customerContacts"])
            ]
        if nicks := _listed(request.query, "nickName"):
            rows = [c for c in rows if c["nickName"] in nicks]
        return self._page(request, sorted(rows, key=lambda c: c["id"]), "customersCorporate")

    def corporate_history(self, request):
        return self._history(request, self.corporate_log)
