"""retailCRM connector: the telephony integration module (screen pop on ringing, call upload
including missed calls, click-to-call relayed to the telephony side) plus customers and users.

Authorize = check the API key, then register our telephony module with
`integration-modules/{code}/edit`; its `clientId` is a random per-connector secret that
retailCRM sends back on every click-to-call request (connectors/retailcrm/views.py checks it).
Disconnect (deactivate) posts the same module with `active: false`.
"""

from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime

from connectors.base import Installation
from connectors.errors import AuthError, ConnectorError
from connectors.retailcrm.client import RetailClient
from connectors.retailcrm.mapping import (
    contact_from,
    crm_time,
    parse_time,
    same_number,
    upload_item,
)
from connectors.retailcrm.telephony import TelephonyModule
from connectors.types import (
    CallLog,
    CrmContact,
    CrmField,
    CrmQueue,
    CrmUser,
    TicketRequest,
    Token,
    WriteResult,
)
from portal.phones import tail

CUSTOMER_FIELDS = [
    ("firstName", "First name", "string"),
    ("lastName", "Last name", "string"),
    ("patronymic", "Patronymic", "string"),
    ("email", "Email", "string"),
    ("phones", "Phones", "array"),
    ("managerId", "Manager", "integer"),
    ("vip", "VIP", "boolean"),
    ("bad", "Bad customer", "boolean"),
    ("personalDiscount", "Personal discount", "double"),
    ("createdAt", "Created at", "datetime"),
]
PAGE = 100  # retailCRM accepts limit 20, 50 or 100 only


class RetailCRMConnector(TelephonyModule, Installation):
    """One retailCRM account (its provider: connectors/retailcrm/provider.py)."""

    @property
    def client(self) -> RetailClient:
        """A client that moves the connector to needs_reauth when the API key is rejected."""
        return self._client(on_auth_error=self.needs_reauth)

    def _client(self, on_auth_error=None) -> RetailClient:
        return RetailClient(
            self.settings.get("instance_url", ""),
            self.credentials.get("api_key", ""),
            session=self.session,
            on_auth_error=on_auth_error,
        )

    @property
    def tz(self):
        return self.account.tenant.zone

    @property
    def code(self) -> str:
        return self.settings.get("integration_code") or "ccportal"

    # --- authorization: API key check + module registration --------------------------------

    def fetch_token(self) -> Token:
        # No token flow: every request carries the API key (X-API-KEY).
        return Token(access_token="", expires_at=None)

    def authorize(self) -> dict:
        client = self._client()  # a rejected key here is the caller's answer, not a status change
        info = self._check_key(client)
        module = self.register_module(client)
        # No OAuth token: the API key goes in every request. The marker token tells the portal
        # (Test connection, Disconnect) that this connector has been authorized.
        self.account.token = asdict(Token(access_token="x-api-key", extra={"module": self.code}))
        self.account.mark_authorized()
        return {**info, "module": module["code"], "make_call_url": self.make_call_url()}

    def deactivate(self) -> str:
        """Disconnect: post our module again with `active: false`.

        retailCRM then stops showing our telephony and sending click-to-call requests; live
        call events and call uploads are refused until Authorize switches the module on again.
        Nothing is sent when Authorize never registered a module (no clientId yet).
        """
        if not self.credentials.get("module_client_id"):
            return ""
        # A rejected key answers this admin's click; it does not mark the account needs_reauth.
        self.register_module(self._client(), active=False)
        return f"the integration module {self.code} was switched off in retailCRM"

    def test_connection(self) -> dict:
        return self._check_key(self.client)

    @staticmethod
    def _check_key(client: RetailClient) -> dict:
        data = client.get("/credentials", version=False)
        return {"methods": len(data.get("credentials") or data.get("scopes") or [])}

    # --- contacts ----------------------------------------------------------------------------

    def describe_fields(self, crm_object: str = "Contact") -> list[CrmField]:
        fields = [CrmField(name=n, label=label, type=t) for n, label, t in CUSTOMER_FIELDS]
        data = self.client.get("/custom-fields", {"filter": {"entity": "customer"}, "limit": PAGE})
        for field in data.get("customFields") or []:
            fields.append(
                CrmField(
                    name=f"customFields.{field['code']}",
                    label=field.get("name") or field["code"],
                    type=field.get("type", "string"),
                )
            )
        return fields

    def _customer_pages(self, filters: dict) -> Iterator[list[dict]]:
        page, total = 1, 1
        while page <= total:
            data = self.client.get("/customers", {"filter": filters, "limit": PAGE, "page": page})
            yield data.get("customers") or []
            total = int((data.get("pagination") or {}).get("totalPageCount") or 0)
            page += 1

    def iter_contacts(
        self, modified_since: datetime | None = None, fields: list[str] | None = None
    ) -> Iterator[list[CrmContact]]:
        if modified_since is None:
            for customers in self._customer_pages({}):
                yield [self._contact(c) for c in customers]
            return
        # filter[dateFrom] on /customers is the *creation* date, so changes come from the
        # customers history: collect the changed ids (with when they changed), then load them.
        changed, deleted = self._changed_since(modified_since)
        if deleted:
            yield [
                CrmContact(crm_id=i, deleted=True, modified_at=deleted[i]) for i in sorted(deleted)
            ]
        ids = sorted(set(changed) - set(deleted), key=int)
        for start in range(0, len(ids), PAGE):
            for customers in self._customer_pages({"ids": ids[start : start + PAGE]}):
                contacts = [self._contact(c) for c in customers]
                for contact in contacts:  # the change time, so the sync's high-water mark moves
                    contact.modified_at = changed.get(contact.crm_id) or contact.modified_at
                yield contacts

    def _changed_since(self, since: datetime) -> tuple[dict, dict]:
        """({changed id: last change time}, {deleted id: deletion time}) from the history."""
        changed, deleted = {}, {}
        page, total = 1, 1
        while page <= total:
            data = self.client.get(
                "/customers/history",
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

    def count_contacts(self, modified_since: datetime | None = None) -> int | None:
        """Total for the sync's progress bar (unknown for incremental runs)."""
        if modified_since is not None:
            return None
        data = self.client.get("/customers", {"limit": 20, "page": 1})
        return int((data.get("pagination") or {}).get("totalCount") or 0)

    def iter_contact_ids(self) -> Iterator[list[str]]:
        for customers in self._customer_pages({}):
            yield [str(c["id"]) for c in customers]

    def _contact(self, customer: dict) -> CrmContact:
        return contact_from(customer, self.tz, self.record_url("Contact", str(customer["id"])))

    def find_contacts_by_phone(self, phone: str) -> list[CrmContact]:
        digits_tail = tail(phone)
        if not digits_tail:
            return []
        # filter[name] searches name, email and phone numbers (format-insensitive).
        data = self.client.get("/customers", {"filter": {"name": digits_tail}, "limit": 50})
        region = getattr(self.account.tenant, "default_region", "") or "CZ"
        return [
            self._contact(c)
            for c in data.get("customers") or []
            if any(same_number(phone, p.get("number", ""), region) for p in c.get("phones") or [])
        ]

    def list_users(self) -> list[CrmUser]:
        users, page, total = [], 1, 1
        while page <= total:
            data = self.client.get("/users", {"filter": {"active": 1}, "limit": PAGE, "page": page})
            for u in data.get("users") or []:
                name = " ".join(x for x in (u.get("firstName"), u.get("lastName")) if x)
                users.append(
                    CrmUser(
                        crm_id=str(u["id"]),
                        email=u.get("email") or "",
                        name=name,
                        active=bool(u.get("active", True)),
                    )
                )
            total = int((data.get("pagination") or {}).get("totalPageCount") or 0)
            page += 1
        return users

    def list_queues(self) -> list[CrmQueue]:
        # retailCRM has no queue object; calls are routed by the telephony side.
        return []

    # --- writes ------------------------------------------------------------------------------

    def log_calls(self, calls: list[CallLog]) -> list[WriteResult]:
        """Upload calls (missed ones too); retailCRM skips an externalId it already has."""
        codes = {m.crm_user_id: m.agent_id for m in self._mappings() if m.crm_user_id}
        items = [upload_item(c, self.tz, codes.get(c.owner_crm_id, "")) for c in calls]
        try:
            self.client.post("/telephony/calls/upload", {"calls": items})
        except ConnectorError as exc:
            if exc.permanent and len(calls) > 1 and not isinstance(exc, AuthError):
                # One bad call must not sink the batch: upload one by one (idempotent by
                # externalId, so the good ones already stored are simply skipped).
                return [result for c in calls for result in self.log_calls([c])]
            return [
                WriteResult(key=c.key, error=exc.message, permanent=exc.permanent) for c in calls
            ]
        return [
            WriteResult(
                key=c.key,
                crm_id=c.key,
                url=self.record_url("Contact", c.contact_crm_id) if c.contact_crm_id else "",
            )
            for c in calls
        ]

    def create_ticket(self, ticket: TicketRequest) -> WriteResult:
        """A retailCRM task; our key rides in the commentary and is looked up before create."""
        marker = f"[ref {ticket.key}]"
        found = self.client.get("/tasks", {"filter": {"text": marker}, "limit": 20})
        for task in found.get("tasks") or []:
            if marker in (task.get("commentary") or ""):
                return WriteResult(
                    key=ticket.key,
                    crm_id=str(task["id"]),
                    url=self.record_url("Task", str(task["id"])),
                )
        if not ticket.owner_crm_id.isdigit():
            return WriteResult(
                key=ticket.key,
                error="retailCRM tasks need a performer: map the agent to a retailCRM user or set a default owner.",
                permanent=True,
            )
        task = {
            "text": ticket.subject[:255],
            "commentary": f"{ticket.description}\n\n{marker}".strip(),
            "performerId": int(ticket.owner_crm_id),
        }
        if ticket.contact_crm_id.isdigit():
            task["customer"] = {"id": int(ticket.contact_crm_id)}
        try:
            data = self.client.post("/tasks/create", {"task": task})
        except ConnectorError as exc:
            return WriteResult(key=ticket.key, error=exc.message, permanent=exc.permanent)
        crm_id = str(data.get("id", ""))
        return WriteResult(key=ticket.key, crm_id=crm_id, url=self.record_url("Task", crm_id))

    def record_url(self, crm_object: str, crm_id: str) -> str:
        base = self.settings.get("instance_url", "").rstrip("/")
        path = {"Contact": "customers", "Task": "tasks"}.get(crm_object, crm_object.lower())
        return f"{base}/{path}/{crm_id}"
