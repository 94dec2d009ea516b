"""Salesforce: OAuth (username-password or web-server flow), SOQL/SOSL reads, Task/Case upserts.

Wire details live in client.py; this class maps between Salesforce records and the portal's
plain types. Writes are upserts by an external-id field that holds our idempotency key, so a
retry after a crash updates the record written the first time instead of creating a second one.
"""

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlencode

from connectors.base import Installation
from connectors.errors import AuthError, ConnectorError
from connectors.salesforce import mapping, records
from connectors.salesforce.activities import SalesforceActivities
from connectors.salesforce.client import SalesforceClient, soql_literal
from connectors.types import (
    ACCOUNT,
    CONTACT,
    LEAD,
    CallLog,
    CrmContact,
    CrmField,
    CrmQueue,
    CrmUser,
    NewRecord,
    TicketRequest,
    Token,
    WriteResult,
)
from portal.cache import TTLCache

USAGE_SAVE_INTERVAL = 10.0  # seconds between writes of account.state["api_usage"]
# When this process last wrote an account's api_usage: per process, not per connector object,
# because routing and delivery build a new connector for every request or batch (a write per
# CRM request was a quarter of a live lookup's CPU). Keyed by (id, created_at): an id a test
# database hands out again is another account.
_usage_saved_at: dict[tuple, float] = {}
BATCH_SIZE = 200  # sObject Collections accept at most 200 records per request
# Person Accounts cannot be switched off once on: an hour of staleness only delays a new org's.
PERSON_ACCOUNTS = TTLCache("salesforce:person-accounts", seconds=3600)


class SalesforceConnector(SalesforceActivities, Installation):
    """One Salesforce org (its provider: connectors/salesforce/provider.py)."""

    def __init__(self, account, session=None):
        super().__init__(account, session=session)
        self._save_usage_now = False

    # --- settings ----------------------------------------------------------------------------

    @property
    def login_url(self) -> str:
        return (self.settings.get("instance_url") or "").rstrip("/")

    @property
    def task_key_field(self) -> str:
        return mapping.field_name(
            self.settings.get("task_external_id_field"), mapping.TASK_KEY_FIELD
        )

    @property
    def case_key_field(self) -> str:
        return mapping.field_name(
            self.settings.get("case_external_id_field"), mapping.CASE_KEY_FIELD
        )

    def _login_client(self) -> SalesforceClient:
        return SalesforceClient(self.login_url, session=self.session)

    def _client(self, token: Token) -> SalesforceClient:
        return SalesforceClient(
            token.instance_url or self.login_url,
            token.access_token,
            session=self.session,
            on_usage=self._record_usage,
        )

    def _call(self, fn):
        """fn(client) with a valid token; on INVALID_SESSION_ID refresh once and retry."""
        return self.call_with_token(lambda token: fn(self._client(token)))

    # --- token lifecycle ---------------------------------------------------------------------

    def _token(self, body: dict, refresh_token: str = "") -> Token:
        return Token(
            access_token=body["access_token"],
            expires_at=None,  # Salesforce does not say; an expired session answers 401
            refresh_token=body.get("refresh_token") or refresh_token,
            instance_url=(body.get("instance_url") or self.login_url).rstrip("/"),
            extra={"id": body.get("id", ""), "issued_at": body.get("issued_at", "")},
        )

    def _client_auth(self) -> dict:
        return {
            "client_id": self.settings.get("client_id", ""),
            "client_secret": self.credentials.get("client_secret", ""),
        }

    def fetch_token(self) -> Token:
        """Username-password flow; for web-flow accounts the stored refresh token instead."""
        creds = self.credentials
        username = self.settings.get("username")
        if username and creds.get("password"):
            body = self._login_client().token(
                {
                    "grant_type": "password",
                    **self._client_auth(),
                    "username": username,
                    "password": creds["password"] + creds.get("security_token", ""),
                }
            )
            return self._token(body)
        cached = self._cached_token()
        if cached and cached.refresh_token:
            return self.refresh_token(cached)
        raise AuthError("no user name and password: use Authorize in Salesforce (web flow)")

    def refresh_token(self, token: Token) -> Token:
        if not token.refresh_token:
            return self.fetch_token()
        body = self._login_client().token(
            {
                "grant_type": "refresh_token",
                **self._client_auth(),
                "refresh_token": token.refresh_token,
            }
        )
        return self._token(body, refresh_token=token.refresh_token)

    # --- OAuth web-server flow (the views live in connectors/views.py) ------------------------

    def authorization_url(self, state: str, redirect_uri: str) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.settings.get("client_id", ""),
                "redirect_uri": redirect_uri,
                "state": state,
                "scope": "api refresh_token",
            }
        )
        return f"{self.login_url}/services/oauth2/authorize?{query}"

    def exchange_code(self, code: str, redirect_uri: str) -> Token:
        body = self._login_client().token(
            {
                "grant_type": "authorization_code",
                **self._client_auth(),
                "code": code,
                "redirect_uri": redirect_uri,
            }
        )
        return self._token(body)

    # --- API usage ---------------------------------------------------------------------------

    def _record_usage(self, used: int, limit: int) -> None:
        """Keep the last Sforce-Limit-Info on the account (at most every few seconds)."""
        usage = {"used": used, "limit": limit, "at": datetime.now(UTC).isoformat()}
        state = dict(self.account.state or {})
        state["api_usage"] = usage
        self.account.state = state
        if not self.account.pk:
            return
        now, key = time.monotonic(), (self.account.pk, self.account.created_at)
        last = _usage_saved_at.get(key)
        if self._save_usage_now or last is None or now - last >= USAGE_SAVE_INTERVAL:
            _usage_saved_at[key] = now
            self._save_usage_now = False
            self.account.set_state_key("api_usage", usage)

    # --- reads -------------------------------------------------------------------------------

    def test_connection(self) -> dict:
        def probe(client: SalesforceClient) -> dict:
            me = client.get("/services/oauth2/userinfo")
            limits = client.get("limits/")
            daily = (limits or {}).get("DailyApiRequests") or {}
            if daily.get("Max") is not None:
                used = int(daily["Max"]) - int(daily.get("Remaining", 0))
                self._save_usage_now = True  # always record on Authorize / Test connection
                self._record_usage(used, int(daily["Max"]))
            return {
                "user": me.get("preferred_username") or me.get("email", ""),
                "user_id": me.get("user_id", ""),
                "name": me.get("name", ""),
                "org": me.get("organization_id", ""),
                "instance_url": client.instance_url,
                "api_usage": self.account.state.get("api_usage"),
            }

        return self._call(probe)

    def describe_fields(self, crm_object: str = "Contact") -> list[CrmField]:
        body = self._call(lambda c: c.get(f"sobjects/{mapping.sobject_name(crm_object)}/describe/"))
        return [
            CrmField(
                name=f["name"],
                label=f.get("label") or f["name"],
                type=f.get("type") or "string",
                createable=bool(f.get("createable", True)),
            )
            for f in (body or {}).get("fields", [])
        ]

    def _pages(self, soql: str, include_deleted: bool = False) -> Iterator[list[dict]]:
        """Like client.query_pages, but every page request may refresh the token once."""
        first = "queryAll/" if include_deleted else "query/"
        body = self._call(lambda c: c.get(first, q=soql))
        while True:
            if not isinstance(body, dict) or not isinstance(body.get("records"), list):
                raise ConnectorError("Salesforce query response without records")
            yield body["records"]
            next_url = body.get("nextRecordsUrl")
            if body.get("done", True) or not next_url:
                return
            body = self._call(lambda c, url=next_url: c.get(url))

    def _person_accounts(self) -> bool:
        """Does the org have Person Accounts? (describe Account, cached for an hour)."""
        return PERSON_ACCOUNTS.get(
            self.account.pk or id(self),
            lambda: any(f.name == "IsPersonAccount" for f in self.describe_fields("Account")),
        )

    def _select(self, record_type: str, fields: list[str] | None = None) -> list[str]:
        person = record_type == ACCOUNT and self._person_accounts()
        return records.select(record_type, person, fields)

    def iter_contacts(
        self,
        modified_since: datetime | None = None,
        record_type: str = CONTACT,
        fields: list[str] | None = None,
    ) -> Iterator[list[CrmContact]]:
        """Pages of live records; with modified_since also the deleted ones (queryAll) and, for
        leads, the ones converted since (gone as leads: they live on as Contacts)."""
        sobject = records.sobject(record_type)
        select = self._select(record_type, fields)
        changed = ""
        if modified_since:
            # Strictly after: the caller subtracts an overlap from its high-water mark (records
            # changed in the same second as the mark are then read again, harmlessly).
            changed = f"LastModifiedDate > {mapping.soql_datetime(modified_since)}"
        soql = f"SELECT {', '.join(select)} FROM {sobject}{records.where(record_type, changed)} ORDER BY Id"  # noqa: S608 (SOQL, names validated)
        for page in self._pages(soql):
            base = self._base_url()  # after the call: the token's instance_url is known
            yield [records.from_record(record_type, r, base) for r in page]
        if not modified_since:
            return
        gone = [(f"IsDeleted = true AND {changed}", True)]
        if record_type == LEAD:
            gone.append((f"IsConverted = true AND {changed}", False))
        for condition, include_deleted in gone:
            soql = f"SELECT Id, LastModifiedDate FROM {sobject} WHERE {condition} ORDER BY Id"  # noqa: S608
            for page in self._pages(soql, include_deleted=include_deleted):
                yield [mapping.deleted_contact(r, record_type) for r in page]

    def count_contacts(
        self, modified_since: datetime | None = None, record_type: str = CONTACT
    ) -> int:
        """How many records an import will read (the sync's progress total): SELECT COUNT()."""
        changed = (
            f"LastModifiedDate > {mapping.soql_datetime(modified_since)}" if modified_since else ""
        )
        soql = f"SELECT COUNT() FROM {records.sobject(record_type)}{records.where(record_type, changed)}"  # noqa: S608
        body = self._call(lambda c: c.get("query/", q=soql))
        return int(body.get("totalSize") or 0) if isinstance(body, dict) else 0

    def iter_contact_ids(self, record_type: str = CONTACT) -> Iterator[list[str]]:
        """Every live id (a converted Lead is not live: the reconcile deletes it)."""
        soql = (
            f"SELECT Id FROM {records.sobject(record_type)}{records.where(record_type)} ORDER BY Id"  # noqa: S608
        )
        for page in self._pages(soql):
            yield [r["Id"] for r in page]

    def find_contacts_by_phone(
        self, phone: str, record_types: tuple[str, ...] = (CONTACT,)
    ) -> list[CrmContact]:
        """One SOSL request over the phone fields of every requested type."""
        person = ACCOUNT in record_types and self._person_accounts()
        return self._search(records.sosl(phone, tuple(record_types), person), record_types)

    def find_contacts_by_phones(
        self, phones: list[str], record_types: tuple[str, ...] = (CONTACT,)
    ) -> list[CrmContact]:
        """Up to PHONES_PER_SEARCH numbers in one SOSL request (delivery's batch lookup)."""
        person = ACCOUNT in record_types and self._person_accounts()
        limit = records.SEARCH_LIMIT * max(1, len(phones))
        query = records.sosl_many(list(phones), tuple(record_types), person, min(limit, 2000))
        return self._search(query, record_types)

    def _search(self, sosl: str | None, record_types) -> list[CrmContact]:
        if not sosl:
            return []
        body = self._call(lambda c: c.get("search/", q=sosl))
        base = self._base_url()
        found = (body or {}).get("searchRecords", []) if isinstance(body, dict) else body or []
        typed = [(records.TYPE_OF.get((r.get("attributes") or {}).get("type")), r) for r in found]
        return [records.from_record(t, r, base) for t, r in typed if t in record_types]

    def create_record(self, record: NewRecord) -> CrmContact:
        """Create a Contact or Lead for an unknown caller; read it back as the import would."""
        sobject = records.sobject(record.type)
        body = records.create_body(record)
        answer = self._call(lambda c: c.request("POST", f"sobjects/{sobject}/", json=body))
        crm_id = (answer or {}).get("id") if isinstance(answer, dict) else None
        if not crm_id:
            raise ConnectorError(f"Salesforce created no {sobject}: {answer!r}")
        select = ", ".join(self._select(record.type))
        soql = f"SELECT {select} FROM {sobject} WHERE Id = {soql_literal(crm_id)}"  # noqa: S608
        rows = [r for page in self._pages(soql) for r in page]
        if not rows:
            raise ConnectorError(f"Salesforce {sobject} {crm_id} not found after create")
        return records.from_record(record.type, rows[0], self._base_url())

    def list_users(self) -> list[CrmUser]:
        soql = "SELECT Id, Name, Email, IsActive FROM User WHERE IsActive = true ORDER BY Name"
        return [
            CrmUser(crm_id=r["Id"], email=r.get("Email") or "", name=r.get("Name") or "")
            for page in self._pages(soql)
            for r in page
        ]

    def list_queues(self) -> list[CrmQueue]:
        soql = "SELECT Id, Name, OwnerId FROM Group WHERE Type = 'Queue' ORDER BY Name"
        return [
            CrmQueue(crm_id=r["Id"], name=r.get("Name") or "", owner_crm_id=r.get("OwnerId") or "")
            for page in self._pages(soql)
            for r in page
        ]

    # --- writes ------------------------------------------------------------------------------

    def log_calls(self, calls: list[CallLog]) -> list[WriteResult]:
        """Upsert Tasks by the external-id field holding CallLog.key, 200 per request: a key
        sent again updates its Task (action "updated", from the upsert's `created: false`)."""
        results: list[WriteResult] = []
        field = self.task_key_field
        zone = mapping.tenant_zone(self.account)
        for start in range(0, len(calls), BATCH_SIZE):
            chunk = calls[start : start + BATCH_SIZE]
            records = [mapping.task_record(call, field, zone) for call in chunk]
            for call, record in zip(chunk, records, strict=True):
                if call.crm_record_id:  # an update: TaskSubtype is create-only (one request)
                    record.pop("TaskSubtype", None)
            answers = self._upsert_tasks(records, field)
            base = self._base_url()
            for call, answer in zip(chunk, answers, strict=True):
                results.append(mapping.write_result(call.key, answer, "Task", base, field))
        return results

    def _upsert_tasks(self, records: list[dict], field: str) -> list[dict]:
        answers = self._upsert("Task", field, records)
        # An upsert that matches an existing Task (a retry) cannot set create-only fields
        # (TaskSubtype): send those records again without them, which updates the same Task.
        again = {i: mapping.create_only_fields(a) for i, a in enumerate(answers)}
        again = {i: drop for i, drop in again.items() if drop}
        if again:
            retry = [
                {k: v for k, v in records[i].items() if k not in drop} for i, drop in again.items()
            ]
            for i, answer in zip(again, self._upsert("Task", field, retry), strict=True):
                answers[i] = answer
        return answers

    def _upsert(self, sobject: str, field: str, records: list[dict]) -> list[dict]:
        try:
            return self._call(lambda c: c.upsert_collection(sobject, field, records))
        except ConnectorError as exc:
            raise mapping.missing_key_field_hint(exc, sobject, field) from exc

    def create_ticket(self, ticket: TicketRequest) -> WriteResult:
        """Upsert a Case by the external-id field holding TicketRequest.key."""
        field = self.case_key_field
        record = mapping.case_record(ticket)
        try:
            answer = self._call(lambda c: c.upsert("Case", field, ticket.key, record))
        except ConnectorError as exc:
            raise mapping.missing_key_field_hint(exc, "Case", field) from exc
        if not answer:  # 204 from an older API version: look the Case up by its key
            soql = f"SELECT Id FROM Case WHERE {field} = {soql_literal(ticket.key)}"  # noqa: S608
            found = [r for page in self._pages(soql) for r in page]
            answer = {"id": found[0]["Id"] if found else "", "success": bool(found)}
        answer.setdefault("success", True)
        return mapping.write_result(ticket.key, answer, "Case", self._base_url(), field)

    # --- links -------------------------------------------------------------------------------

    def _base_url(self) -> str:
        token = self._cached_token()
        return (token.instance_url if token and token.instance_url else self.login_url).rstrip("/")

    def record_url(self, crm_object: str, crm_id: str) -> str:
        return mapping.record_url(self._base_url(), crm_object, crm_id)
