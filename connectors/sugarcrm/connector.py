"""SugarCRM connector: contacts, users, Calls and Cases over REST v11 (see client.py).

Idempotency: Sugar has no upsert by external id, so every Call / Case we create carries our key
in a custom field (`cc_call_key_c` on Calls, `cc_case_key_c` on Cases, created once in Studio,
see docs/connectors/sugarcrm.md). Before creating we look the keys up; a retry after a crash
finds the record it already made instead of writing a second one.
"""

from collections.abc import Iterator
from datetime import datetime

from connectors.base import Installation
from connectors.errors import AuthError, ConnectorError
from connectors.sugarcrm.client import SugarClient, error_from
from connectors.sugarcrm.mapping import (
    CALL_KEY_FIELD,
    CASE_KEY_FIELD,
    CONTACT_FIELDS,
    PHONE_FIELDS,
    call_record,
    case_record,
    contact_from,
    phone_variants,
    same_number,
    sugar_time,
)
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
from portal.phones import digits

MODULES = {"Contact": "Contacts", "Call": "Calls", "Case": "Cases", "User": "Users"}


class SugarCRMConnector(Installation):
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

    def iter_contacts(
        self, modified_since: datetime | None = None, fields: list[str] | None = None
    ) -> Iterator[list[CrmContact]]:
        filters = [{"date_modified": {"$gt": sugar_time(modified_since)}}] if modified_since else []
        wanted = list(dict.fromkeys([*CONTACT_FIELDS, *(fields or [])]))
        for records in self._pages("Contacts", filters, wanted):
            yield [contact_from(r, self.record_url("Contact", r["id"])) for r in records]

    def count_contacts(self, modified_since: datetime | None = None) -> int | None:
        """Total for the sync's progress bar: POST /Contacts/filter/count."""
        filters = [{"date_modified": {"$gt": sugar_time(modified_since)}}] if modified_since else []
        data = self._call("POST", "/Contacts/filter/count", json_body={"filter": filters})
        return int(data.get("record_count") or 0)

    def iter_contact_ids(self) -> Iterator[list[str]]:
        for records in self._pages("Contacts", [], ["id"]):
            yield [r["id"] for r in records]

    def find_contacts_by_phone(self, phone: str) -> list[CrmContact]:
        region = getattr(self.account.tenant, "default_region", "") or "CZ"
        variants = phone_variants(phone, region)
        if not variants:
            return []
        # Sugar stores phones as typed, so ask for several spellings, then keep true matches.
        ors = [{f: {"$contains": v}} for v in variants for f in PHONE_FIELDS]
        # ...and anything ending in the last 4 digits (a final group of 4: "+358 40 123 4567").
        ors += [{f: {"$ends": digits(phone)[-4:]}} for f in PHONE_FIELDS]
        data = self._filter(
            "Contacts",
            {"filter": [{"$or": ors}], "max_num": 50, "fields": ",".join(CONTACT_FIELDS)},
        )
        found = []
        for record in data.get("records") or []:
            contact = contact_from(record, self.record_url("Contact", record["id"]))
            if any(same_number(phone, p, region) for p in contact.phones):
                found.append(contact)
        return found

    def list_users(self) -> list[CrmUser]:
        users = []
        filters = [{"status": {"$equals": "Active"}}]
        for records in self._pages(
            "Users",
            filters,
            ["id", "user_name", "full_name", "email1", "email", "status"],
        ):
            for r in records:
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
        key_field = self.settings.get("call_key_field") or CALL_KEY_FIELD
        records = {c.key: call_record(c, key_field) for c in calls}
        return self._create_once("Calls", key_field, records)

    def create_ticket(self, ticket: TicketRequest) -> WriteResult:
        key_field = self.settings.get("case_key_field") or CASE_KEY_FIELD
        return self._create_once("Cases", key_field, {ticket.key: case_record(ticket, key_field)})[
            0
        ]

    def record_url(self, crm_object: str, crm_id: str) -> str:
        base = self.settings.get("instance_url", "").rstrip("/")
        return f"{base}/#{MODULES.get(crm_object, crm_object)}/{crm_id}"

    # --- idempotent create -----------------------------------------------------------------

    def _existing(self, module: str, key_field: str, keys: list[str]) -> dict[str, str]:
        data = self._filter(
            module,
            {
                "filter": [{key_field: {"$in": keys}}],
                "max_num": len(keys),
                "fields": f"id,{key_field}",
            },
        )
        return {r[key_field]: r["id"] for r in data.get("records") or [] if r.get(key_field)}

    def _create_once(
        self, module: str, key_field: str, records: dict[str, dict]
    ) -> list[WriteResult]:
        """Create each record unless one with its key exists; one bulk request for the rest."""
        keys = list(records)
        existing = self._existing(module, key_field, keys)
        todo = [k for k in keys if k not in existing]
        created: dict[str, WriteResult] = {}
        if todo:
            requests = [{"url": f"/{module}", "method": "POST", "data": records[k]} for k in todo]
            replies = self.call_with_token(lambda t: self.client.bulk(t, requests))
            for key, reply in zip(todo, replies, strict=True):
                created[key] = self._result(module, key, reply)
        obj = module.removesuffix("s")
        return [
            WriteResult(key=k, crm_id=existing[k], url=self.record_url(obj, existing[k]))
            if k in existing
            else created[k]
            for k in keys
        ]

    def _result(self, module: str, key: str, reply: dict) -> WriteResult:
        status = int(reply.get("status") or 0)
        contents = reply.get("contents") or {}
        if 200 <= status < 300 and isinstance(contents, dict) and contents.get("id"):
            crm_id = contents["id"]
            return WriteResult(
                key=key, crm_id=crm_id, url=self.record_url(module.removesuffix("s"), crm_id)
            )
        if status >= 500 or status == 0:
            err = ConnectorError(f"SugarCRM {status} creating {module}", status=status)
        else:
            err = error_from(status, contents)
        return WriteResult(key=key, error=err.message, permanent=err.permanent)
