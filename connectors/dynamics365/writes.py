"""Idempotent writes to Dataverse (mixed into Dynamics365Connector).

Each phonecall / incident carries our key in a custom column with an alternate key and is
written with `PATCH /<set>(<column>='<key>')` + `If-None-Match: *`: create, never update. A
retry after a lost reply or a crash gets 412 for records already written and looks their ids up
instead of creating a second one. Calls go in `$batch` requests, one change set per call and
`odata.continue-on-error`, so one bad record fails alone (why not UpsertMultiple:
docs/connectors/dynamics365.md).
"""

from connectors import http
from connectors.dynamics365 import records
from connectors.dynamics365.batch import Part
from connectors.dynamics365.client import entity_id, error_from, odata_string
from connectors.errors import ConnectorError
from connectors.types import LEAD, CallLog, TicketRequest, WriteResult

BATCH_SIZE = 100  # change sets per $batch (Dataverse allows 1,000 requests)


class DataverseWrites:
    def log_calls(self, calls: list[CallLog]) -> list[WriteResult]:
        results: dict[str, WriteResult] = {}
        for start in range(0, len(calls), BATCH_SIZE):
            results.update(self._log_chunk(calls[start : start + BATCH_SIZE]))
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
        for call in sendable:  # callback phone calls go into their CRM queue
            result = results[call.key]
            if call.queue_crm_id and result.ok:
                try:
                    self._add_to_queue(call.queue_crm_id, "phonecall", result.crm_id)
                except ConnectorError as exc:  # retried: the create is idempotent (412 path)
                    results[call.key] = WriteResult(
                        call.key,
                        error=f"Adding to the queue failed: {exc}",
                        permanent=exc.permanent,
                    )
        return results

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
