"""retailCRM connector: the telephony integration module (screen pop on ringing, call upload
including missed calls, click-to-call relayed to the telephony side) plus users; customers and
corporate customers (contacts and accounts) are in records.py.

Authorize = check the API key, then register our telephony module with
`integration-modules/{code}/edit`; its `clientId` is a random per-connector secret that
retailCRM sends back on every click-to-call request (platforms/retailcrm_module.py checks it).
Disconnect (deactivate) posts the same module with `active: false`.
"""

from dataclasses import asdict

from connectors.base import Installation
from connectors.errors import AuthError, ConnectorError
from connectors.retailcrm.client import RetailClient
from connectors.retailcrm.mapping import (
    upload_item,
)
from connectors.retailcrm.records import PAGE, RetailRecords
from connectors.retailcrm.telephony import TelephonyModule
from connectors.types import (
    ACCOUNT,
    CallLog,
    CrmField,
    CrmQueue,
    CrmUser,
    TicketRequest,
    Token,
    WriteResult,
)

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


OBJECTS = {ACCOUNT: "Account"}  # record type -> record_url's object (default: Contact)


class RetailCRMConnector(RetailRecords, TelephonyModule, Installation):
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
        """Upload calls (missed ones too). retailCRM keeps the first upload of an externalId and
        reports a later one in `duplicateCalls` without changing it: a call we logged before
        (crm_record_id) is not sent again, and the answer is "unchanged" (no CALL_UPDATES)."""
        known = {
            c.key: self._logged(c, c.crm_record_id, "unchanged") for c in calls if c.crm_record_id
        }
        todo = [c for c in calls if c.key not in known]
        results = dict(known)
        if todo:
            results.update((r.key, r) for r in self._upload(todo))
        return [results[c.key] for c in calls]

    def _upload(self, calls: list[CallLog]) -> list[WriteResult]:
        codes = {m.crm_user_id: m.agent_id for m in self._mappings() if m.crm_user_id}
        items = [upload_item(c, self.tz, codes.get(c.owner_crm_id, "")) for c in calls]
        try:
            data = self.client.post("/telephony/calls/upload", {"calls": items})
        except ConnectorError as exc:
            if exc.permanent and len(calls) > 1 and not isinstance(exc, AuthError):
                # One bad call must not sink the batch: upload one by one (idempotent by
                # externalId, so the good ones already stored are simply skipped).
                return [result for c in calls for result in self._upload([c])]
            return [
                WriteResult(key=c.key, error=exc.message, permanent=exc.permanent) for c in calls
            ]
        duplicates = {str(k) for k in data.get("duplicateCalls") or []}
        return [
            self._logged(c, c.key, "unchanged" if c.key in duplicates else "created") for c in calls
        ]

    def _logged(self, call: CallLog, crm_id: str, action: str) -> WriteResult:
        """A call in retailCRM: its id is our externalId; the link is the customer's page."""
        url = ""
        if call.contact_crm_id:
            url = self.record_url(OBJECTS.get(call.contact_type, "Contact"), call.contact_crm_id)
        return WriteResult(key=call.key, crm_id=crm_id, url=url, action=action)

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
        if ticket.contact_crm_id.isdigit():  # a customer or corporate customer (one id space)
            task["customer"] = {"id": int(ticket.contact_crm_id)}
        try:
            data = self.client.post("/tasks/create", {"task": task})
        except ConnectorError as exc:
            return WriteResult(key=ticket.key, error=exc.message, permanent=exc.permanent)
        crm_id = str(data.get("id", ""))
        return WriteResult(key=ticket.key, crm_id=crm_id, url=self.record_url("Task", crm_id))

    def record_url(self, crm_object: str, crm_id: str) -> str:
        base = self.settings.get("instance_url", "").rstrip("/")
        paths = {"Contact": "customers", "Account": "customers-corporate", "Task": "tasks"}
        path = paths.get(crm_object, crm_object.lower())
        return f"{base}/{path}/{crm_id}"
