"""Idempotent writes to Dataverse (mixed into Dynamics365Connector).

Each phonecall / email / task carries our key in a custom column with an alternate key and is
upserted: `PATCH /<set>(<column>='<key>')` creates it the first time and updates it on a later
send (wrap-up, a recording), or `PATCH /<set>(<id>)` + `If-Match: *` when the stored id is
known. A retry after a lost reply simply writes the same values again. Incidents stay
create-once (`If-None-Match: *`, 412 when written before). Writes go in `$batch` requests, one
change set per record and `odata.continue-on-error`, so one bad record fails alone (why not
UpsertMultiple: docs/connectors/dynamics365.md).
"""

from dataclasses import dataclass

from connectors import http
from connectors.dynamics365 import records
from connectors.dynamics365.batch import Part
from connectors.dynamics365.client import entity_id, error_from, is_guid, odata_string
from connectors.errors import ConnectorError
from connectors.types import LEAD, CallLog, TicketRequest, WriteResult

BATCH_SIZE = 100  # change sets per $batch (Dataverse allows 1,000 requests)


@dataclass(frozen=True)
class Table:
    entity_set: str
    logical: str
    id_name: str = "activityid"


PHONECALLS = Table("phonecalls", "phonecall")
EMAILS = Table("emails", "email")
TASKS = Table("tasks", "task")


class DataverseWrites:
    def log_calls(self, calls: list[CallLog]) -> list[WriteResult]:
        results: dict[str, WriteResult] = {}
        for start in range(0, len(calls), BATCH_SIZE):
            results.update(self._log_chunk(calls[start : start + BATCH_SIZE]))
        return [results[call.key] for call in calls]

    def _log_chunk(self, chunk: list[CallLog]) -> dict[str, WriteResult]:
        items = []
        for call in chunk:
            try:
                items.append((call.key, call.crm_record_id, records.phonecall_body(call)))
            except ValueError as exc:
                items.append((call.key, "", exc))
        results = self._upsert_chunk(PHONECALLS, self.call_key_field, items)
        for call in chunk:  # callback phone calls go into their CRM queue
            result = results[call.key]
            if call.queue_crm_id and result.ok:
                try:
                    self._add_to_queue(call.queue_crm_id, "phonecall", result.crm_id)
                except ConnectorError as exc:  # retried: the upsert is idempotent
                    results[call.key] = WriteResult(
                        call.key,
                        error=f"Adding to the queue failed: {exc}",
                        permanent=exc.permanent,
                    )
        return results

    def _upsert_chunk(self, table: Table, field: str, items: list[tuple]) -> dict:
        """Upsert (key, stored id, body or ValueError) items in one `$batch`, one change set each.

        By the stored id with `If-Match: *` (update only) when known, else by the alternate key
        (create or update). 201 = created, 200 = updated (`Prefer: return=representation`). A
        stored id that no longer exists (404: deleted in the CRM) is written again by the key."""
        results, sent, changesets = {}, [], []
        for key, crm_id, body in items:
            if isinstance(body, Exception):
                results[key] = WriteResult(key, error=str(body), permanent=True)
                continue
            sent.append((key, crm_id, body))
            changesets.append([self._upsert_part(table, field, key, crm_id, body)])
        if not changesets:
            return results
        groups = self.call_with_token(lambda token: self.client.batch(token, changesets))
        replies = {}
        for index, group in enumerate(groups):
            cid = group[0].content_id if group else ""
            replies[int(cid) - 1 if cid.isdigit() else index] = group[0] if group else None
        gone = []
        for index, (key, crm_id, body) in enumerate(sent):
            reply = replies.get(index)
            if reply is None:
                results[key] = WriteResult(key, error="no result in the $batch reply")
            elif reply.status == 404 and crm_id:
                gone.append((key, "", body))
            elif reply.status < 300:
                payload = reply.json() if reply.body else None
                written = (payload or {}).get(table.id_name) or entity_id(reply.headers)
                action = {201: "created", 200: "updated"}.get(
                    reply.status, "updated" if crm_id else "created"
                )
                results[key] = self._written(key, table.logical, written or crm_id, action)
            else:
                err = self._with_key_hint(error_from(reply.status, reply.json()), field)
                results[key] = WriteResult(key, error=str(err), permanent=err.permanent)
        if gone:
            results.update(self._upsert_chunk(table, field, gone))
        return results

    def _upsert_part(self, table: Table, field: str, key: str, crm_id: str, body) -> Part:
        headers = {"Prefer": "return=representation"}
        if crm_id and is_guid(crm_id):
            headers["If-Match"] = "*"  # update only: never re-create a row deleted in the CRM
            path = f"{table.entity_set}({crm_id})?$select={table.id_name}"
        else:
            value = odata_string(records.key_value(key))
            path = f"{table.entity_set}({field}={value})?$select={table.id_name}"
        return Part("PATCH", self.client.url(path), body=body, headers=headers)

    def create_ticket(self, ticket: TicketRequest) -> WriteResult:
        lead = ticket.contact_type == LEAD and bool(ticket.contact_crm_id)
        if not (ticket.contact_crm_id and not lead) and not ticket.account_crm_id:
            message = "A Dynamics 365 incident needs a customer (contact or account)."
            if lead:
                message += f" The caller is a lead ({ticket.contact_crm_id}): qualify it first."
            raise ConnectorError(message, True)
        try:
            lead_url = self.record_url("lead", ticket.contact_crm_id) if lead else ""
            body = records.incident_body(ticket, lead_url)
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
            self._add_to_queue(ticket.queue_crm_id, "incident", incident_id)
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

    def _add_to_queue(self, queue_id: str, logical_name: str, record_id: str) -> None:
        records.check_ids(queue_id)
        id_name = "activityid" if logical_name == "phonecall" else f"{logical_name}id"
        target = {id_name: record_id, "@odata.type": f"Microsoft.Dynamics.CRM.{logical_name}"}
        self.call_with_token(
            lambda token: self.client.send(
                token,
                "POST",
                f"queues({queue_id})/Microsoft.Dynamics.CRM.AddToQueue",
                json={"Target": target},
            )
        )

    def _written(
        self, key: str, logical_name: str, crm_id: str, action: str = "created"
    ) -> WriteResult:
        if not crm_id:
            return WriteResult(key, error="Dataverse did not return the record id")
        url = self.record_url(logical_name, crm_id)
        return WriteResult(key, crm_id=crm_id, url=url, action=action)

    @staticmethod
    def _with_key_hint(error: ConnectorError, field: str) -> ConnectorError:
        if field in error.message and error.status == 400:
            error.message += (
                f" Create the text column {field} (100 characters) with an alternate key on "
                "this table, as the connector guide describes."
            )
        return error
