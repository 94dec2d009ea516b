"""Dataverse emails and tasks (interactions), start-margin duplicates among existing phone
calls, and incident completion (mixed into Dynamics365Connector before DataverseWrites).

- email: https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/email
  `email_activity_parties` (1 = From, 2 = To); the customer's party is bound to the matched
  record and always carries `addressused`; `directioncode` true = outgoing. The description
  is the email's HTML body.
- task (chat, SMS): `category` = disposition, `subcategory` = the channel.
- find_calls: one `$filter` per up to PHONES_PER_FILTER numbers: `phonenumber` equal to one
  of the numbers' forms and `actualstart` or `scheduledstart` inside the batch's window.
- complete_ticket: read the incident's description, PATCH it (`If-Match: *`) with one outcome
  block at the end (replaced by a second completion, never appended twice).
"""

import html
import re
from datetime import UTC, datetime, timedelta

from connectors.dynamics365 import records
from connectors.dynamics365.client import is_guid, odata_string
from connectors.dynamics365.writes import BATCH_SIZE, EMAILS, PHONECALLS, TASKS
from connectors.errors import ConnectorError
from connectors.types import (
    CONTACT,
    EMAIL,
    CallLog,
    CrmCall,
    InteractionLog,
    TicketCompletion,
    WriteResult,
)

PHONES_PER_FILTER = 20
OUTCOME_MARKER = "--- Call outcome ---"
CHANNELS = {"email": "Email", "chat": "Chat", "sms": "SMS"}


def _text(item: InteractionLog) -> list[str]:
    lines = [item.body] if item.body else []
    if item.description:
        lines.append(item.description)
    if item.disposition and item.channel == EMAIL:  # an email has no category column
        lines.append(f"Disposition: {item.disposition}")
    lines += records.wrapup_lines(item.notes, item.tags)
    if item.queue:
        lines.append(f"Queue: {item.queue}")
    return lines


def _common(item: InteractionLog, table: str) -> dict:
    records.check_ids(item.owner_crm_id, item.contact_crm_id)
    kind = item.contact_type or CONTACT
    channel = CHANNELS.get(item.channel, item.channel)
    towards = "to" if item.direction == "out" else "from"
    body = {
        "subject": (item.subject or f"{channel} {towards} {item.address}")[:200],
        "actualstart": records.iso(item.started_at),
        "actualend": records.iso(item.ended_at or item.started_at),
    }
    if item.owner_crm_id:
        body["ownerid@odata.bind"] = f"/systemusers({item.owner_crm_id})"
    if item.contact_crm_id:
        target = f"/{records.ENTITY_SETS[kind]}({item.contact_crm_id})"
        body[f"regardingobjectid_{kind}_{table}@odata.bind"] = target
    return body


def email_body(item: InteractionLog) -> dict:
    body = _common(item, "email")
    outgoing = item.direction == "out"
    body["directioncode"] = outgoing
    body["description"] = "<br>\n".join(html.escape(line) for line in _text(item))
    customer = {"addressused": item.address[:200]}
    if item.contact_crm_id:
        kind = item.contact_type or CONTACT
        target = f"/{records.ENTITY_SETS[kind]}({item.contact_crm_id})"
        customer[f"partyid_{kind}@odata.bind"] = target
    parties = [{**customer, "participationtypemask": 2 if outgoing else 1}]
    if item.owner_crm_id:
        user = {"partyid_systemuser@odata.bind": f"/systemusers({item.owner_crm_id})"}
        parties.append({**user, "participationtypemask": 1 if outgoing else 2})
    body["email_activity_parties"] = parties
    return body


def task_body(item: InteractionLog) -> dict:
    body = _common(item, "task")
    channel = CHANNELS.get(item.channel, item.channel)
    towards = "to" if item.direction == "out" else "from"
    body["description"] = "\n".join([*_text(item), f"{channel} {towards}: {item.address}"])
    body["subcategory"] = channel
    if item.disposition:
        body["category"] = item.disposition[:250]
    return body


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def number_forms(phone: str) -> list[str]:
    """The forms a phone number is stored in that a $filter compares exactly."""
    digits = re.sub(r"\D", "", phone or "")
    forms = [phone]
    if phone.startswith("+") and digits:
        forms += [digits, f"00{digits}"]
    return list(dict.fromkeys(f for f in forms if f))


def completed_text(current: str, completion: TicketCompletion) -> str:
    base = (current or "").split(OUTCOME_MARKER)[0].rstrip()
    lines = (OUTCOME_MARKER, f"Outcome: {completion.outcome}", completion.description)
    block = "\n".join(line for line in lines if line)
    return f"{base}\n\n{block}" if base else block


class DataverseActivities:
    @property
    def email_key_field(self) -> str:
        return self._logical("email_key_field", "cc_interactionkey")

    @property
    def task_key_field(self) -> str:
        return self._logical("task_key_field", "cc_interactionkey")

    def log_interactions(self, items: list[InteractionLog]) -> list[WriteResult]:
        """Emails as `email` activities, chats and SMS as `task`s; upserted by the key."""
        results: dict[str, WriteResult] = {}
        for is_email in (True, False):
            table = EMAILS if is_email else TASKS
            field = self.email_key_field if is_email else self.task_key_field
            build = email_body if is_email else task_body
            mine = [i for i in items if (i.channel == EMAIL) == is_email]
            for start in range(0, len(mine), BATCH_SIZE):
                chunk = []
                for item in mine[start : start + BATCH_SIZE]:
                    try:
                        chunk.append((item.key, item.crm_record_id, build(item)))
                    except ValueError as exc:
                        chunk.append((item.key, "", exc))
                results.update(self._upsert_chunk(table, field, chunk))
        return [results[item.key] for item in items]

    def find_calls(self, calls: list[CallLog], margin_seconds: int) -> dict[str, CrmCall]:
        margin = timedelta(seconds=max(0, int(margin_seconds)))
        wanted = [c for c in calls if c.phone and c.started_at]
        if not wanted:
            return {}
        low = min(_utc(c.started_at) for c in wanted) - margin
        high = max(_utc(c.started_at) for c in wanted) + margin
        phones = sorted({c.phone for c in wanted})
        field = self.call_key_field
        window = " or ".join(
            f"({column} ge {records.iso(low)} and {column} le {records.iso(high)})"
            for column in ("actualstart", "scheduledstart")
        )
        rows: dict[str, dict] = {}
        for start in range(0, len(phones), PHONES_PER_FILTER):
            forms = [f for p in phones[start : start + PHONES_PER_FILTER] for f in number_forms(p)]
            numbers = " or ".join(f"phonenumber eq {odata_string(f)}" for f in forms)
            params = {
                "$select": f"activityid,phonenumber,actualstart,scheduledstart,subject,{field}",
                "$filter": f"({numbers}) and ({window})",
            }
            for page in self._pages(PHONECALLS.entity_set, params):
                rows.update({row["activityid"]: row for row in page})
        found: dict[str, CrmCall] = {}
        taken: set[str] = set()
        for call in wanted:
            forms, ours = set(number_forms(call.phone)), records.key_value(call.key)
            best, best_gap = None, None
            for row in rows.values():
                started = records.parse_datetime(
                    row.get("actualstart") or row.get("scheduledstart")
                )
                if row["activityid"] in taken or row.get(field) == ours or started is None:
                    continue
                gap = abs(_utc(started) - _utc(call.started_at))
                closer = best_gap is None or gap < best_gap
                if row.get("phonenumber") in forms and gap <= margin and closer:
                    best, best_gap = (row, started), gap
            if best is not None:
                row, started = best
                taken.add(row["activityid"])
                found[call.key] = CrmCall(
                    crm_id=row["activityid"],
                    phone=row.get("phonenumber") or call.phone,
                    started_at=started,
                    subject=row.get("subject") or "",
                    url=self.record_url("phonecall", row["activityid"]),
                )
        return found

    def complete_ticket(self, completion: TicketCompletion) -> WriteResult:
        """Add the call's outcome to the incident's description (once; it stays open)."""
        if not is_guid(completion.crm_id):
            raise ConnectorError(f"{completion.crm_id!r} is not a Dataverse id (GUID)", True)
        path = f"incidents({completion.crm_id})"
        current = self._get(path, params={"$select": "description"}).get("description") or ""
        text = completed_text(current, completion)
        if text != current:
            self.call_with_token(
                lambda token: self.client.send(
                    token, "PATCH", path, json={"description": text}, headers={"If-Match": "*"}
                )
            )
        return self._written(completion.key, "incident", completion.crm_id, "updated")
