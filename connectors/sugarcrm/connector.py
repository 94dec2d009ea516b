"""SugarCRM connector: contacts, users, Calls, Cases, Emails and Notes over REST v11.

Idempotency: Sugar has no upsert by external id, so every record we create carries our key
(`cc_call_key_c` on Calls, `cc_case_key_c` on Cases, `cc_interaction_key_c` on Notes, custom
fields created once in Studio; an email's Message-ID), see docs/connectors/sugarcrm.md. A key
written before is updated by PUT, by the stored id or the id the key lookup finds (writes.py);
a retry after a crash finds the record it already made instead of writing a second one.
"""

from collections.abc import Iterator
from datetime import datetime

from connectors.base import Installation
from connectors.errors import AuthError, ConnectorError
from connectors.sugarcrm import records
from connectors.sugarcrm.activities import Write
from connectors.sugarcrm.client import SugarClient, error_from
from connectors.sugarcrm.mapping import (
    CALL_KEY_FIELD,
    CASE_KEY_FIELD,
    call_record,
    case_record,
    parse_time,
    phone_variants,
    same_number,
    sugar_time,
)
from connectors.sugarcrm.writes import SugarWrites
from connectors.types import (
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
from portal.phones import digits

MODULES = {
    "Contact": "Contacts",
    "Lead": "Leads",
    "Account": "Accounts",
    "Call": "Calls",
    "Case": "Cases",
    "User": "Users",
}


class SugarCRMConnector(SugarWrites, Installation):
    """One SugarCRM instance (its provider: connectors/sugarcrm/provider.py)."""

    page_size = 200

    @property
    def client(self) -> SugarClient:
        return SugarClient(self.settings.get("instance_url", ""), session=self.session)

    @property
    def platform(self) -> str:
        return self.settings.get("platform") or "ccportal"

    # --- tokens ----------------------------------------------------------------------------

    def fetch_token(self) -> Token:
        return self.client.password_grant(
            self.settings.get("username", ""), self.credentials.get("password", ""), self.platform
        )

    def refresh_token(self, token: Token) -> Token:
        if token.refresh_token:
            try:
                return self.client.refresh_grant(token.refresh_token, self.platform)
            except AuthError:
                pass  # refresh token expired or revoked: log in again with the password
        return self.fetch_token()

    def _call(self, method: str, path: str, **kwargs):
        return self.call_with_token(lambda t: self.client.call(t, method, path, **kwargs))

    def _filter(self, module: str, body: dict) -> dict:
        return self.call_with_token(lambda t: self.client.filter(t, module, body))

    def _pages(self, module: str, filters: list, fields: list[str]):
        """All matching records, page by page, keyset-paged by id.

        Offset paging (Sugar's `next_offset`) skips a record whenever one before the cursor
        changes, appears or disappears during the run, and a full sync would then sweep the
        skipped contact away. Ids never move, so `id > last id` ordered by id cannot skip.
        """
        last_id = ""
        while True:
            body = {
                "filter": [*filters, {"id": {"$gt": last_id}}] if last_id else filters,
                "max_num": self.page_size,
                "fields": ",".join(dict.fromkeys(["id", *fields])),
                "order_by": "id:ASC",
            }
            data = self._filter(module, body)
            records = data.get("records") or []
            if records:
                yield records
            if len(records) < self.page_size or data.get("next_offset", -1) == -1:
                return
            last_id = records[-1]["id"]

    # --- operations ------------------------------------------------------------------------

    def test_connection(self) -> dict:
        me = self._call("GET", "/me").get("current_user") or {}
        return {
            "user": me.get("user_name", ""),
            "user_id": me.get("id", ""),
            "name": me.get("full_name", ""),
        }

    def describe_fields(self, crm_object: str = "Contact") -> list[CrmField]:
        module = MODULES.get(crm_object, crm_object)
        params = {"type_filter": "modules", "module_filter": module}
        data = self._call("GET", "/metadata", params=params)
        fields = ((data.get("modules") or {}).get(module) or {}).get("fields") or {}
        result = []
        for name, meta in fields.items():
            if not isinstance(meta, dict) or name == "_hash":
                continue
            label = meta.get("label") or (meta.get("vname") or name).removeprefix("LBL_")
            result.append(
                CrmField(
                    name=meta.get("name", name),
                    label=label.replace("_", " ").capitalize() if label.isupper() else label,
                    type=meta.get("type", ""),
                    createable=not meta.get("readonly") and meta.get("source") != "non-db",
                )
            )
        return result

    def _since(self, modified_since: datetime | None) -> list:
        return [{"date_modified": {"$gt": sugar_time(modified_since)}}] if modified_since else []

    def iter_contacts(
        self,
        modified_since: datetime | None = None,
        record_type: str = CONTACT,
        fields: list[str] | None = None,
    ) -> Iterator[list[CrmContact]]:
        """Pages of live records; with modified_since, leads converted since come as deletes."""
        module = records.module(record_type)
        since = self._since(modified_since)
        live = records.LIVE.get(record_type, [])
        for page in self._pages(module, [*live, *since], records.fields(record_type, fields)):
            yield [
                records.from_record(record_type, r, self.record_url(module, r["id"])) for r in page
            ]
        if record_type == LEAD and since:
            for page in self._pages(module, [*records.CONVERTED, *since], ["date_modified"]):
                yield [
                    CrmContact(
                        crm_id=r["id"],
                        modified_at=parse_time(r.get("date_modified")),
                        deleted=True,
                        type=LEAD,
                    )
                    for r in page
                ]

    def count_contacts(
        self, modified_since: datetime | None = None, record_type: str = CONTACT
    ) -> int | None:
        """Total for the sync's progress bar: POST /<module>/filter/count."""
        filters = [*records.LIVE.get(record_type, []), *self._since(modified_since)]
        path = f"/{records.module(record_type)}/filter/count"
        data = self._call("POST", path, json_body={"filter": filters})
        return int(data.get("record_count") or 0)

    def iter_contact_ids(self, record_type: str = CONTACT) -> Iterator[list[str]]:
        """Every live id (a converted lead is not live: the reconcile deletes it)."""
        module, live = records.module(record_type), records.LIVE.get(record_type, [])
        for page in self._pages(module, live, ["id"]):
            yield [r["id"] for r in page]

    def find_contacts_by_phone(
        self, phone: str, record_types: tuple[str, ...] = (CONTACT,)
    ) -> list[CrmContact]:
        """The filter API per module, `$or` over its phone fields; several modules in one
        /bulk round trip (the live lookup has a short timeout)."""
        region = getattr(self.account.tenant, "default_region", "") or "CZ"
        variants = phone_variants(phone, region)
        if not variants or not record_types:
            return []
        searches = [
            (t, records.module(t), self._phone_filter(t, phone, variants)) for t in record_types
        ]
        if len(searches) == 1:
            answers = [self._filter(searches[0][1], searches[0][2])]
        else:
            requests = [
                {"url": f"/{m}/filter", "method": "POST", "data": b} for _t, m, b in searches
            ]
            replies = self.call_with_token(lambda t: self.client.bulk(t, requests))
            answers = [self._bulk_contents(reply) for reply in replies]
        found = []
        for (record_type, module, _body), data in zip(searches, answers, strict=True):
            for record in data.get("records") or []:
                hit = records.from_record(
                    record_type, record, self.record_url(module, record["id"])
                )
                if any(same_number(phone, p, region) for p in hit.phones):
                    found.append(hit)
        return found

    def _phone_filter(self, record_type: str, phone: str, variants: list[str]) -> dict:
        # Sugar stores phones as typed, so ask for several spellings, then keep true matches
        # ...and anything ending in the last 4 digits (a final group of 4: "+358 40 123 4567").
        phones = records.PHONES[record_type]
        ors = [{f: {"$contains": v}} for v in variants for f in phones]
        ors += [{f: {"$ends": digits(phone)[-4:]}} for f in phones]
        filters = [*records.LIVE.get(record_type, []), {"$or": ors}]
        return {"filter": filters, "max_num": 50, "fields": ",".join(records.fields(record_type))}

    @staticmethod
    def _bulk_contents(reply: dict) -> dict:
        status, contents = int(reply.get("status") or 0), reply.get("contents")
        if not 200 <= status < 300 or not isinstance(contents, dict):
            raise error_from(status, contents)
        return contents

    def create_record(self, record: NewRecord) -> CrmContact:
        """POST /Contacts or /Leads; Sugar answers with the record it stored."""
        module = records.module(record.type)
        created = self._call("POST", f"/{module}", json_body=records.create_body(record))
        if not isinstance(created, dict) or not created.get("id"):
            raise ConnectorError(f"SugarCRM created no {module} record")
        return records.from_record(record.type, created, self.record_url(module, created["id"]))

    def list_users(self) -> list[CrmUser]:
        users = []
        filters = [{"status": {"$equals": "Active"}}]
        for page in self._pages(
            "Users",
            filters,
            ["id", "user_name", "full_name", "email1", "email", "status"],
        ):
            for r in page:
                email = r.get("email1") or next(
                    (
                        e.get("email_address", "")
                        for e in r.get("email") or []
                        if isinstance(e, dict)
                    ),
                    "",
                )
                users.append(
                    CrmUser(
                        crm_id=r["id"],
                        email=email,
                        name=r.get("full_name") or r.get("user_name", ""),
                        active=r.get("status", "Active") == "Active",
                    )
                )
        return users

    def list_queues(self) -> list[CrmQueue]:
        # Sugar has no call queues; Teams are record-visibility groups, not routing targets,
        # so offering them as queues would mislead. Queues come from the telephony side.
        return []

    def log_calls(self, calls: list[CallLog]) -> list[WriteResult]:
        """Created once by key; a key written before is updated by PUT (writes.py)."""
        key_field = self.settings.get("call_key_field") or CALL_KEY_FIELD
        writes = []
        for c in calls:
            body = call_record(c, key_field)
            writes.append(Write(c.key, "Calls", key_field, body, body, c.crm_record_id))
        return self._upsert(writes)

    def create_ticket(self, ticket: TicketRequest) -> WriteResult:
        key_field = self.settings.get("case_key_field") or CASE_KEY_FIELD
        return self._create_once("Cases", key_field, {ticket.key: case_record(ticket, key_field)})[
            0
        ]

    def record_url(self, crm_object: str, crm_id: str) -> str:
        base = self.settings.get("instance_url", "").rstrip("/")
        return f"{base}/#{MODULES.get(crm_object, crm_object)}/{crm_id}"
