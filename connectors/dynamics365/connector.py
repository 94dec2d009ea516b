"""Microsoft Dynamics 365 / Dataverse: msal client-credentials tokens, Web API v9.2.

Writes are idempotent through alternate keys: each phonecall / incident carries our key in a
custom column (`cc_callkey` / `cc_ticketkey` by default) that has an alternate key, and is written
with `PATCH /phonecalls(cc_callkey='...')` + `If-None-Match: *` ("create, never update"). A retry
after a crash gets 412 for records already written and looks their ids up instead of duplicating.
Calls go in `$batch` requests with one change set per call (see docs/connectors/dynamics365.md
for why not UpsertMultiple).
"""

import re
from collections.abc import Iterator
from datetime import datetime
from functools import cached_property

from connectors.base import Connector
from connectors.dynamics365 import records
from connectors.dynamics365.auth import TokenSource
from connectors.dynamics365.batch import Part
from connectors.dynamics365.client import (
    DataverseClient,
    entity_id,
    error_from,
    odata_string,
)
from connectors.dynamics365.forms import Dynamics365Form
from connectors.errors import ConnectorError
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
from portal import http

_LOGICAL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
_NON_DIGITS = re.compile(r"\D")
TAIL_DIGITS = 9  # compare the last 9 digits: national and international forms agree there
MIN_TAIL_DIGITS = 6  # fewer digits (extensions, garbage) never match


def digits(raw: str | None) -> str:
    return _NON_DIGITS.sub("", raw or "")[:64]


class Dynamics365Connector(Connector):
    kind = "dynamics365"
    label = "Microsoft Dynamics 365"
    description = (
        "Dynamics 365 / Dataverse: contacts imported, phone calls logged, "
        "incidents opened by triggers."
    )
    form_class = Dynamics365Form
    guide_template = "connectors/guides/dynamics365.html"
    batch_size = 100  # change sets per $batch (Dataverse allows 1,000 requests)
    page_size = 500  # Prefer: odata.maxpagesize
    ticket_label = "incident"

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
        params = {"$select": ",".join(select), "$orderby": "modifiedon asc,contactid asc"}
        if modified_since:
            # ge, not gt: a contact changed in the watermark's second is re-read, never missed.
            params["$filter"] = f"modifiedon ge {records.iso(modified_since)}"
        for rows in self._pages("contacts", params):
            yield [self._contact(row) for row in rows]

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

    # --- writes -----------------------------------------------------------------------------

    def log_calls(self, calls: list[CallLog]) -> list[WriteResult]:
        results: dict[str, WriteResult] = {}
        for start in range(0, len(calls), self.batch_size):
            results.update(self._log_chunk(calls[start : start + self.batch_size]))
        return [results[call.key] for call in calls]

    def _log_chunk(self, chunk: list[CallLog]) -> dict[str, WriteResult]:
        results, sendable, changesets = {}, [], []
        field = self.call_key_field
        for call in chunk:
            try:
                body = records.phonecall_body(call)
            except ValueError as exc:
                results[call.key] = WriteResult(call.key, error=str(exc), permanent=True)
                continue
            sendable.append(call)
            changesets.append(
                [self._create_once("phonecalls", field, call.key, body, "activityid")]
            )
        if not changesets:
            return results
        groups = self.call_with_token(lambda token: self.client.batch(token, changesets))
        replies = {}
        for index, group in enumerate(groups):
            cid = group[0].content_id if group else ""
            replies[int(cid) - 1 if cid.isdigit() else index] = group[0] if group else None
        existing = []
        for index, call in enumerate(sendable):
            reply = replies.get(index)
            if reply is None:
                results[call.key] = WriteResult(call.key, error="no result in the $batch reply")
            elif reply.status == 412:  # written before (a retry): look its id up
                existing.append(call.key)
            elif reply.status < 300:
                crm_id = (reply.json() or {}).get("activityid") or entity_id(reply.headers)
                results[call.key] = self._written(call.key, "phonecall", crm_id)
            else:
                err = self._with_key_hint(error_from(reply.status, reply.json()), field)
                results[call.key] = WriteResult(call.key, error=str(err), permanent=err.permanent)
        if existing:
            found = self._ids_by_key("phonecalls", field, "activityid", existing)
            for key in existing:
                results[key] = self._written(key, "phonecall", found.get(key, ""))
        return results

    def create_ticket(self, ticket: TicketRequest) -> WriteResult:
        if not (ticket.contact_crm_id or ticket.account_crm_id):
            raise ConnectorError(
                "A Dynamics 365 incident needs a customer (contact or account).", True
            )
        try:
            body = records.incident_body(ticket)
        except ValueError as exc:
            raise ConnectorError(str(exc), permanent=True) from exc
        field = self.ticket_key_field
        part = self._create_once("incidents", field, ticket.key, body, "incidentid")
        try:
            response = self.call_with_token(
                lambda token: self.client.send(
                    token, "PATCH", part.url, json=body, headers=part.headers
                )
            )
            payload = http.json_body(response) if response.content else {}
            incident_id = payload.get("incidentid") or entity_id(response.headers)
        except ConnectorError as exc:
            if exc.status != 412:
                raise self._with_key_hint(exc, field) from exc
            incident_id = self._ids_by_key("incidents", field, "incidentid", [ticket.key]).get(
                ticket.key, ""
            )
        if ticket.queue_crm_id and incident_id:
            self._add_to_queue(ticket.queue_crm_id, incident_id)
        return self._written(ticket.key, "incident", incident_id)

    def _create_once(self, entity_set: str, field: str, key: str, body: dict, id_name: str) -> Part:
        """PATCH by alternate key with If-None-Match: * = create, or 412 when it exists."""
        path = f"{entity_set}({field}={odata_string(records.key_value(key))})?$select={id_name}"
        headers = {"If-None-Match": "*", "Prefer": "return=representation"}
        return Part("PATCH", self.client.url(path), body=body, headers=headers)

    def _ids_by_key(self, entity_set: str, field: str, id_name: str, keys: list[str]) -> dict:
        values = {records.key_value(key): key for key in keys}
        condition = " or ".join(f"{field} eq {odata_string(v)}" for v in values)
        params = {"$select": f"{id_name},{field}", "$filter": condition}
        rows = self._get(entity_set, params=params).get("value") or []
        return {values[row[field]]: row[id_name] for row in rows if row.get(field) in values}

    def _add_to_queue(self, queue_id: str, incident_id: str) -> None:
        records.check_ids(queue_id)
        target = {"incidentid": incident_id, "@odata.type": "Microsoft.Dynamics.CRM.incident"}
        self.call_with_token(
            lambda token: self.client.send(
                token,
                "POST",
                f"queues({queue_id})/Microsoft.Dynamics.CRM.AddToQueue",
                json={"Target": target},
            )
        )

    def _written(self, key: str, logical_name: str, crm_id: str) -> WriteResult:
        if not crm_id:
            return WriteResult(key, error="Dataverse did not return the record id")
        return WriteResult(key, crm_id=crm_id, url=self.record_url(logical_name, crm_id))

    @staticmethod
    def _with_key_hint(error: ConnectorError, field: str) -> ConnectorError:
        if field in error.message and error.status == 400:
            error.message += (
                f" Create the text column {field} (100 characters) with an alternate key on "
                "this table, as the connector guide describes."
            )
        return error


def _same_number(stored: str, wanted: str) -> bool:
    have = digits(stored)
    n = min(len(have), len(wanted), TAIL_DIGITS)
    return n >= MIN_TAIL_DIGITS and have[-n:] == wanted[-n:]
