"""Triggers: a call matching a trigger's conditions opens one CRM ticket (seed 004).

`fire_triggers` subscribes to calls.signals.calls_decided (AutomationsConfig.ready) and queues
the tickets of `fire_on=ended` triggers through the outbox as kind "ticket"; triggers on ringing
or answered open theirs during the call and complete them at the end (automations/tickets.py,
which also holds the senders).
"""

import json
from dataclasses import asdict
from types import SimpleNamespace

from django.utils import timezone

from automations.models import EARLY, Trigger
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
from connectors.models import ConnectorStatus
from connectors.types import TicketRequest
from delivery import outbox
from delivery.models import SyncRecord, SyncState
from portal.cache import TTLCache
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


def ticket_record(trigger: Trigger, call) -> SyncRecord:
    """One trigger's ticket for one call, as an outbox row: queued, or skipped with a reason."""
    key = ticket_key(trigger, call)
    detail = {"trigger": trigger.name, "trigger_id": trigger.pk, "fire_on": trigger.fire_on}
    row = SyncRecord(
        tenant_id=call.tenant_id, connector=trigger.connector, kind=TICKET, key=key, call=call
    )
    try:
        plan = ticket_plan(trigger, call)
    except TemplateError as exc:  # saved before the check: this ticket only
        row.state, row.reason = SyncState.SKIPPED, "bad_template"
        row.reason_detail = {**detail, "error": str(exc)[:500]}
        return row
    ticket = TicketRequest(
        key=key,
        subject=plan["subject"],
        description=plan["description"],
        contact_crm_id=plan["contact_crm_id"],
        contact_type=plan["contact_type"],
        owner_crm_id=plan["owner_crm_id"],
    )
    row.payload, row.match = asdict(ticket), plan["match"]
    row.reason_detail = {**detail, "owner_source": plan["owner_reason"]}
    return row


def usable_triggers(tenant, *, early: bool):
    """Active triggers of connectors not switched off: on ringing/answered, or on ended."""
    triggers = Trigger.objects.for_tenant(tenant).active().select_related("connector", "tenant")
    triggers = triggers.early() if early else triggers.exclude(fire_on__in=EARLY)
    return [t for t in triggers if t.connector.status != ConnectorStatus.DISABLED]


def fire_triggers(tenant, calls, **_signal) -> list:
    """Queue one ticket per matching `ended` trigger for each ended call (idempotent by
    ticket_key). A receiver of calls_decided: returns the rows it queued. Triggers on ringing
    or answered opened theirs during the call (automations/tickets.py)."""
    triggers = usable_triggers(tenant, early=False)
    records = [
        ticket_record(trigger, call)
        for call in calls
        if call.privacy != "private"  # private calls never reach the CRM, tickets included
        for trigger in triggers
        if not trigger.mismatch(call)
    ]
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


LIVE_FOLD_SECONDS = 5.0
_early_cache = TTLCache("automations:early-triggers", seconds=LIVE_FOLD_SECONDS)


def wants_live_fold(tenant, **_signal) -> bool:
    """A receiver of calls.signals.live_fold_wanted: the tenant has an active trigger on
    ringing or answered, so its calls in progress are folded at each such event (cached for a
    few seconds: asked on every ingest request with ringing or answered events)."""
    return _early_cache.get(
        tenant.pk, lambda: Trigger.objects.for_tenant(tenant).active().early().exists()
    )


def forget_live_fold(tenant_id: int) -> None:
    """A trigger was saved or deleted: this process sees the change at once."""
    _early_cache.forget(tenant_id)
