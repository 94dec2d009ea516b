"""Triggers: an ended call matching a trigger's conditions opens one CRM ticket (seed 004).

`fire_triggers` subscribes to calls.signals.calls_decided (AutomationsConfig.ready) and queues
the tickets through the outbox as kind "ticket"; `send_tickets` delivers them.
"""

import json
from dataclasses import asdict
from types import SimpleNamespace

from django.utils import timezone

from automations.models import Trigger
from automations.rendering import call_description, call_values, render
from automations.services import (
    DryRunError,
    agent_owner,
    customer_phone,
    find_contact,
    mapped_user,
    match_words,
    parse_time,
)
from calls.models import Call
from connectors.errors import ConnectorError
from connectors.models import ConnectorStatus
from connectors.types import TicketRequest, WriteResult
from delivery import outbox
from delivery.models import SyncRecord, SyncState
from portal.placeholders import TemplateError

TICKET = "ticket"  # the outbox kind (registered in AutomationsConfig.ready)

EXAMPLE_CALL = json.dumps(
    {
        "call_id": "1WS.58184",
        "direction": "in",
        "caller": "+420773794804",
        "callee": "+420226211245",
        "queue": "Support",
        "status": "missed",
        "agent_id": "jdoe",
        "agent_email": "j.doe@acme.com",
        "started_at": "2026-11-20T10:00:05+01:00",
        "ended_at": "2026-11-20T10:01:40+01:00",
        "duration_seconds": 0,
    }
)

# --- triggers -------------------------------------------------------------------------------------


def ticket_plan(trigger: Trigger, call) -> dict:
    """What the trigger would create for `call` (used for both the real run and the dry-run)."""
    tenant, connector = trigger.tenant, trigger.connector
    owner, owner_reason = agent_owner(tenant, connector, call)
    mapping = mapped_user(tenant, connector, call)  # agent_owned: the agent's own records
    match = find_contact(
        tenant, connector, customer_phone(call), mapping.crm_user_id if mapping else ""
    )
    tz = tenant.zone  # times in the ticket as the tenant reads them
    return {
        "subject": render(trigger.subject_template, call_values(call, tz))[:255],
        "description": call_description(call, tz),
        "contact_crm_id": match["crm_id"],
        "contact_type": match["type"] if match["crm_id"] else "contact",
        "match": match,
        "owner_crm_id": owner,
        "owner_reason": owner_reason,
        "contact": match_words(match),
    }


def matching_triggers(tenant, call):
    for trigger in (
        Trigger.objects.for_tenant(tenant).active().select_related("connector", "tenant")
    ):
        if not trigger.mismatch(call):
            yield trigger


def ticket_key(trigger: Trigger, call) -> str:
    """One ticket per (trigger, call), stable across re-delivery and re-folding."""
    return f"cc-{call.tenant_id}-t{trigger.pk}-{call.call_id}"[:255]


def fire_triggers(tenant, calls, **_signal) -> list:
    """Queue one ticket per matching trigger for each ended call (idempotent by ticket_key).
    A receiver of calls_decided: returns the rows it queued."""

    def ticket_row(trigger, call, key: str, *, reason_detail: dict, **fields) -> SyncRecord:
        """One trigger's ticket for one call: queued, or skipped with a reason."""
        return SyncRecord(
            tenant_id=call.tenant_id,
            connector=trigger.connector,
            kind=TICKET,
            key=key,
            call=call,
            reason_detail={"trigger": trigger.name, "trigger_id": trigger.pk, **reason_detail},
            **fields,
        )

    triggers = [
        t
        for t in Trigger.objects.for_tenant(tenant).active().select_related("connector", "tenant")
        if t.connector.status != ConnectorStatus.DISABLED
    ]
    records = []
    for call in calls:
        if call.privacy == "private":
            continue  # private calls never reach the CRM, tickets included
        for trigger in triggers:
            if trigger.mismatch(call):
                continue
            key = ticket_key(trigger, call)
            try:
                plan = ticket_plan(trigger, call)
            except TemplateError as exc:  # saved before the check: this ticket only
                records.append(
                    ticket_row(
                        trigger,
                        call,
                        key,
                        state=SyncState.SKIPPED,
                        reason="bad_template",
                        reason_detail={"error": str(exc)[:500]},
                    )
                )
                continue
            ticket = TicketRequest(
                key=key,
                subject=plan["subject"],
                description=plan["description"],
                contact_crm_id=plan["contact_crm_id"],
                contact_type=plan["contact_type"],
                owner_crm_id=plan["owner_crm_id"],
            )
            records.append(
                ticket_row(
                    trigger,
                    call,
                    key,
                    payload=asdict(ticket),
                    match=plan["match"],
                    reason_detail={"owner_source": plan["owner_reason"]},
                )
            )
    if records:
        outbox.enqueue_many(records)
    return records


def dry_run_call(tenant, call) -> dict:
    rules = []
    for trigger in Trigger.objects.for_tenant(tenant).select_related("connector", "tenant"):
        reason = trigger.mismatch(call) or ("" if trigger.active else "the trigger is switched off")
        if getattr(call, "privacy", "") == "private":
            reason = reason or "private calls never open tickets"
        plan = None
        if not reason:
            try:
                plan = ticket_plan(trigger, call)
            except TemplateError as exc:
                reason = f"the subject template cannot be used: {exc}"
        rules.append(
            {
                "name": trigger.name,
                "connector": trigger.connector.name,
                "matches": plan is not None,
                "reason": reason,
                "would_create": _ticket_summary(trigger, plan) if plan else None,
            }
        )
    return {"rules": rules}


def _ticket_summary(trigger, plan) -> dict:
    label = trigger.connector.provider.ticket_label
    return {
        "Record": f"{label} in {trigger.connector.name}",
        "Subject": plan["subject"],
        "Contact": plan["contact"],
        "Owner": f"{plan['owner_crm_id'] or '-'} ({plan['owner_reason']})",
        "Description": plan["description"],
    }


def call_from_json(data) -> SimpleNamespace:
    if not isinstance(data, dict):
        raise DryRunError("Paste one call as a JSON object.")
    direction = data.get("direction", "in")
    if direction not in ("in", "out", "internal"):
        raise DryRunError("direction must be in, out or internal.")
    started = parse_time(data.get("started_at")) or timezone.now()
    return SimpleNamespace(
        call_id=str(data.get("call_id", "dry-run")),
        direction=direction,
        caller=str(data.get("caller", "")),
        callee=str(data.get("callee", "")),
        queue=str(data.get("queue", "")),
        status=str(data.get("status", "answered")),
        agent_id=str(data.get("agent_id", "")),
        agent_email=str(data.get("agent_email", "")),
        started_at=started,
        ended_at=parse_time(data.get("ended_at")) or started,
        duration_seconds=int(data.get("duration_seconds") or 0),
        recording_url=data.get("recording_url") or "",
        privacy=str(data.get("privacy", "work")),
    )


def stored_call(tenant, call_pk):
    call = (
        Call.objects.for_tenant(tenant).filter(pk=call_pk).first()
        if str(call_pk).isdigit()
        else None
    )
    if call is None:
        raise DryRunError("No such call.")
    return call


def recent_calls(tenant):
    return Call.objects.for_tenant(tenant).order_by("-started_at")[:20]


def send_tickets(connector, records: list) -> list[WriteResult]:
    """Outbox sender of kind "ticket": no batch API, one create per row, each its own result."""
    results = []
    for r in records:
        try:
            result = connector.create_ticket(TicketRequest(**r.payload))
            result.key = r.key
            results.append(result)
        except ConnectorError as exc:
            results.append(WriteResult(key=r.key, error=str(exc), permanent=exc.permanent))
    return results
