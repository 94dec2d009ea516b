"""Salesforce emails, chats and SMS as Tasks, start-margin duplicates among existing call
Tasks, and Case completion (mixed into SalesforceConnector; the records are mapping.py's).

- log_interactions upserts Tasks by the same external-id field as call logs (TaskSubtype
  Email for email, Task otherwise): a resend updates the Task it wrote the first time.
- find_calls: a Task has no call start time, so the start of an existing call Task is
  CreatedDate minus CallDurationInSeconds (CTIs log the Task at the call's end). One SOQL
  query per cluster of calls close in time, plus one per object for the phones of the Whos.
- complete_ticket reads the Case's Description and PATCHes it with one outcome block
  (replaced, never appended twice); the Case stays open.
"""

import re
from datetime import UTC, datetime, timedelta

from connectors.errors import ConnectorError
from connectors.salesforce import mapping
from connectors.salesforce.client import soql_literal
from connectors.types import (
    ACCOUNT,
    EMAIL,
    CallLog,
    CrmCall,
    InteractionLog,
    TicketCompletion,
    WriteResult,
)

BATCH_SIZE = 200
MAX_CALL_SECONDS = 4 * 3600  # a Task is created at most this long after its call started
CLUSTER_GAP = timedelta(hours=1)  # calls further apart than this get their own query
OUTCOME_MARKER = "--- Call outcome ---"
_SALESFORCE_ID = re.compile(r"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$")
WHO_PHONES = {"003": ("Contact", mapping.PHONE_FIELDS), "00Q": ("Lead", ("Phone", "MobilePhone"))}


def interaction_record(item: InteractionLog, key_field: str, tz) -> dict:
    channel = {"email": "Email", "chat": "Chat", "sms": "SMS"}.get(item.channel, item.channel)
    towards = "to" if item.direction == "out" else "from"
    subject = item.subject or f"{channel} {towards} {item.address}"
    if item.channel == EMAIL and not subject.lower().startswith("email"):
        subject = f"Email: {subject}"
    lines = [item.body] if item.body else []
    if item.description:
        lines.append(item.description)
    lines += mapping.wrapup_lines(item.notes, item.disposition, item.tags)
    if item.queue:
        lines.append(f"Queue: {item.queue}")
    lines.append(f"{channel} {towards}: {item.address}")
    record = {
        key_field: item.key,
        "Subject": subject[:255],
        "Description": "\n".join(lines)[:32000],
        "TaskSubtype": "Email" if item.channel == EMAIL else "Task",
        "Status": "Completed",
        "ActivityDate": mapping.activity_date(item.started_at, tz),
    }
    if item.channel == EMAIL:
        record["Type"] = "Email"
    if item.contact_crm_id:
        record["WhatId" if item.contact_type == ACCOUNT else "WhoId"] = item.contact_crm_id
    if item.owner_crm_id:
        record["OwnerId"] = item.owner_crm_id
    return record


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def number_in(phone: str, texts) -> bool:
    """Does any text hold the number (its full digits or its national number)?"""
    terms = mapping.phone_search_terms(phone)
    blobs = [_digits(t) for t in texts if t]
    return any(term in blob for term in terms for blob in blobs)


def clusters(calls: list[CallLog]) -> list[list[CallLog]]:
    ordered = sorted(calls, key=lambda c: _utc(c.started_at))
    groups: list[list[CallLog]] = []
    for call in ordered:
        if groups and _utc(call.started_at) - _utc(groups[-1][-1].started_at) <= CLUSTER_GAP:
            groups[-1].append(call)
        else:
            groups.append([call])
    return groups


def completed_text(current: str, completion: TicketCompletion) -> str:
    """The Case description with one outcome block at its end (a second run replaces it)."""
    base = (current or "").split(OUTCOME_MARKER)[0].rstrip()
    block = "\n".join(
        line
        for line in (OUTCOME_MARKER, f"Outcome: {completion.outcome}", completion.description)
        if line
    )
    return f"{base}\n\n{block}" if base else block


class SalesforceActivities:
    def log_interactions(self, items: list[InteractionLog]) -> list[WriteResult]:
        """Upsert one Task per email / chat / SMS by the external-id field holding its key."""
        results: list[WriteResult] = []
        field = self.task_key_field
        zone = mapping.tenant_zone(self.account)
        for start in range(0, len(items), BATCH_SIZE):
            chunk = items[start : start + BATCH_SIZE]
            records = [interaction_record(item, field, zone) for item in chunk]
            for item, record in zip(chunk, records, strict=True):
                if item.crm_record_id:
                    record.pop("TaskSubtype")
            answers = self._upsert_tasks(records, field)
            base = self._base_url()
            for item, answer in zip(chunk, answers, strict=True):
                results.append(mapping.write_result(item.key, answer, "Task", base, field))
        return results

    def find_calls(self, calls: list[CallLog], margin_seconds: int) -> dict[str, CrmCall]:
        margin = timedelta(seconds=max(0, int(margin_seconds)))
        wanted = [c for c in calls if c.phone and c.started_at]
        tasks: dict[str, dict] = {}
        for group in clusters(wanted):
            low = _utc(group[0].started_at) - margin
            high = _utc(group[-1].started_at) + margin + timedelta(seconds=MAX_CALL_SECONDS)
            tasks.update({t["Id"]: t for t in self._call_tasks(low, high)})
        phones = self._who_phones({t.get("WhoId") or "" for t in tasks.values()})
        found: dict[str, CrmCall] = {}
        taken: set[str] = set()
        base = self._base_url()
        for call in wanted:
            best, best_gap = None, None
            for task in tasks.values():
                if task["Id"] in taken or call.key in (
                    task.get(self.task_key_field),
                    task.get("CallObject"),
                ):
                    continue
                started = self._task_start(task)
                gap = abs(started - _utc(call.started_at)) if started else None
                if gap is None or gap > margin:
                    continue
                who = task.get("WhoId") or ""
                same = (call.contact_crm_id and who == call.contact_crm_id) or number_in(
                    call.phone, [task.get("Subject"), task.get("Description"), *phones.get(who, ())]
                )
                if same and (best_gap is None or gap < best_gap):
                    best, best_gap = task, gap
            if best is not None:
                taken.add(best["Id"])
                found[call.key] = CrmCall(
                    crm_id=best["Id"],
                    phone=call.phone,
                    started_at=self._task_start(best),
                    subject=best.get("Subject") or "",
                    url=mapping.record_url(base, "Task", best["Id"]),
                )
        return found

    def _call_tasks(self, low: datetime, high: datetime) -> list[dict]:
        fields = f"Id, Subject, Description, WhoId, CallObject, CallDurationInSeconds, CreatedDate, {self.task_key_field}"
        soql = (
            f"SELECT {fields} FROM Task WHERE TaskSubtype = 'Call' "  # noqa: S608 (names validated)
            f"AND CreatedDate >= {mapping.soql_datetime(low)} "
            f"AND CreatedDate <= {mapping.soql_datetime(high)} ORDER BY CreatedDate"
        )
        return [r for page in self._pages(soql) for r in page]

    def _who_phones(self, who_ids: set[str]) -> dict[str, list[str]]:
        phones: dict[str, list[str]] = {}
        for prefix, (sobject, fields) in WHO_PHONES.items():
            ids = sorted(i for i in who_ids if i.startswith(prefix) and _SALESFORCE_ID.match(i))
            for start in range(0, len(ids), 500):
                chunk = ", ".join(soql_literal(i) for i in ids[start : start + 500])
                soql = f"SELECT Id, {', '.join(fields)} FROM {sobject} WHERE Id IN ({chunk})"  # noqa: S608
                for page in self._pages(soql):
                    for row in page:
                        phones[row["Id"]] = [row[f] for f in fields if row.get(f)]
        return phones

    @staticmethod
    def _task_start(task: dict) -> datetime | None:
        created = mapping.parse_datetime(task.get("CreatedDate"))
        if created is None:
            return None
        return _utc(created) - timedelta(seconds=int(task.get("CallDurationInSeconds") or 0))

    def complete_ticket(self, completion: TicketCompletion) -> WriteResult:
        """Add the call's outcome to the Case's Description (once; the Case stays open)."""
        if not _SALESFORCE_ID.match(completion.crm_id or ""):
            raise ConnectorError(f"not a Salesforce Case id: {completion.crm_id!r}", permanent=True)
        path = f"sobjects/Case/{completion.crm_id}"
        case = self._call(lambda c: c.get(path, fields="Description")) or {}
        text = completed_text(case.get("Description") or "", completion)[:32000]
        if text != (case.get("Description") or ""):
            self._call(lambda c: c.request("PATCH", path, json={"Description": text}))
        url = mapping.record_url(self._base_url(), "Case", completion.crm_id)
        return WriteResult(key=completion.key, crm_id=completion.crm_id, url=url, action="updated")
