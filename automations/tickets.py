"""Tickets during the call (API.md Triggers `fire_on`), and the senders of both ticket kinds.

A trigger on `ringing` or `answered` opens its ticket while the agent is on the call:
`open_early_tickets` (a receiver of calls.signals.calls_folded) queues the same "ticket" row,
with the same key, as an ended trigger would, as soon as the folded call reaches that moment.
When the call ends, `complete_early_tickets` (a receiver of calls_decided) queues one
"ticket_complete" row per open ticket, keyed like the ticket: its sender calls
`complete_ticket(TicketCompletion(key, crm_id, outcome, description))`.

The completion needs the ticket's CRM id, so it waits for the ticket row: queued `pending`
with no `next_attempt_at` (never due) while the ticket is not synced, released when it is:
by `send_tickets` right after the CRM created the ticket (with its id in the payload), and by
the sweeper (`release_completions`, task automations.sweep_ticket_completions) for a ticket
synced while the call was ending. A CRM without TICKET_COMPLETION: the row is skipped with
reason `not_supported`.
"""

from django.db.models import Exists, OuterRef
from django.utils import timezone

from automations.models import EARLY
from automations.rendering import call_description
from automations.triggers import TICKET, ticket_key, ticket_record, usable_triggers
from calls import matching
from calls.models import Call
from connectors.capabilities import Capability, refusal
from connectors.errors import ConnectorError
from connectors.types import TicketCompletion, TicketRequest, WriteResult
from contacts.batch_lookup import lookup_many
from delivery import kinds, outbox
from delivery.models import SyncRecord, SyncState

TICKET_COMPLETION = "ticket_complete"  # the outbox kind (SyncRecord.kind holds 16 characters)
WAITING = "waits for its ticket to be created in the CRM"


# --- opening during the call ------------------------------------------------------------------


def open_early_tickets(tenant, calls, **_signal) -> list:
    """Queue the tickets of ringing/answered triggers whose moment the calls have reached
    (idempotent: a ticket already queued for the trigger and call is left alone)."""
    triggers = usable_triggers(tenant, early=True)
    due = [
        (trigger, call)
        for call in calls
        if call.privacy != "private"
        for trigger in triggers
        if trigger.reached(call) and not trigger.mismatch(call)
    ]
    if not due:
        return []
    queued = set(
        SyncRecord.objects.for_tenant(tenant)
        .filter(kind=TICKET, key__in={ticket_key(t, c) for t, c in due})
        .values_list("connector_id", "key")
    )
    records = [
        ticket_record(trigger, call)
        for trigger, call in due
        if (trigger.connector_id, ticket_key(trigger, call)) not in queued
    ]
    if records:
        outbox.enqueue_many(records)
    return records


# --- completing at the end ----------------------------------------------------------------------


def complete_early_tickets(tenant, calls, **_signal) -> list:
    """Queue one completion per ticket opened during each ended call (idempotent by key)."""
    by_pk = {call.pk: call for call in calls}
    tickets = [
        row
        for row in SyncRecord.objects.for_tenant(tenant)
        .filter(kind=TICKET, call_id__in=by_pk)
        .exclude(state=SyncState.SKIPPED)  # never opened (e.g. a bad subject template)
        .select_related("connector")
        if (row.reason_detail or {}).get("fire_on") in EARLY
    ]
    now, records = timezone.now(), []
    for ticket in tickets:
        call = by_pk[ticket.call_id]
        row = SyncRecord(
            tenant_id=tenant.pk,
            connector=ticket.connector,
            kind=TICKET_COMPLETION,
            key=ticket.key,
            call=call,
            payload={
                "outcome": call.status,
                # a call marked private at the end: its outcome only, none of its details
                "description": ""
                if call.privacy == "private"
                else call_description(call, tenant.zone),
                "crm_id": ticket.crm_record_id if ticket.state == SyncState.SYNCED else "",
            },
            reason_detail={
                k: v for k, v in ticket.reason_detail.items() if k.startswith("trigger")
            },
        )
        if not ticket.connector.provider.can(Capability.TICKET_COMPLETION):
            row.state, row.reason = SyncState.SKIPPED, "not_supported"
            row.reason_detail["message"] = refusal(
                ticket.connector.kind, Capability.TICKET_COMPLETION
            )
        elif row.payload["crm_id"]:
            row.next_attempt_at = now
        records.append(row)
    if records:  # not enqueue_many: that would make the waiting rows due now
        SyncRecord.objects.bulk_create(records, ignore_conflicts=True)
        for connector_id in {r.connector_id for r in records if r.next_attempt_at}:
            outbox.kick(connector_id, TICKET_COMPLETION)
    return records


def _waiting(rows):
    """Completions waiting for their ticket: pending, never due until released."""
    return rows.filter(
        kind=TICKET_COMPLETION, state=SyncState.PENDING, next_attempt_at__isnull=True
    )


def release_waiting(account, created: dict[str, str]) -> int:
    """The CRM just created these tickets ({key: crm id}): their waiting completions are due."""
    rows = list(
        _waiting(SyncRecord.objects.for_tenant(account.tenant_id)).filter(
            connector=account, key__in=created
        )
    )
    now = timezone.now()
    released = 0
    for row in rows:
        released += (
            SyncRecord.objects.for_tenant(account.tenant_id)
            .filter(pk=row.pk, state=SyncState.PENDING, next_attempt_at__isnull=True)
            .update(payload={**row.payload, "crm_id": created[row.key]}, next_attempt_at=now)
        )
    if released:
        outbox.kick(account.pk, TICKET_COMPLETION)
    return released


def release_completions() -> int:
    """The sweeper: completions still waiting although their ticket is synced (it was synced
    while the call was ending, so `release_waiting` did not see them) are due now."""
    synced = SyncRecord.objects.unscoped().filter(  # the same connector's ticket row
        connector_id=OuterRef("connector_id"),
        kind=TICKET,
        key=OuterRef("key"),
        state=SyncState.SYNCED,
    )
    rows = _waiting(SyncRecord.objects.unscoped()).filter(Exists(synced))  # every tenant's
    connectors = set(rows.values_list("connector_id", flat=True))
    released = rows.update(next_attempt_at=timezone.now())
    for connector_id in sorted(connectors):
        outbox.kick(connector_id, TICKET_COMPLETION)
    return released


# --- senders (delivery/kinds.py) ---------------------------------------------------------------


def send_tickets(connector, records: list) -> list[WriteResult]:
    """Outbox sender of kind "ticket": no batch API, one create per row, each its own result."""
    resolve_contacts(connector, records)
    results = []
    for r in records:
        try:
            result = connector.create_ticket(TicketRequest(**r.payload))
            result.key = r.key
            results.append(result)
        except ConnectorError as exc:
            results.append(WriteResult(key=r.key, error=str(exc), permanent=exc.permanent))
    created = {r.key: r.crm_id for r in results if r.ok and r.crm_id}
    if created:
        release_waiting(connector.account, created)
    return results


def resolve_contacts(connector, records: list) -> None:
    """Tickets for callers the store did not know when the trigger matched: the caller's number
    is looked up as call logs' are at delivery (the store, then the CRM's live search), so the
    ticket is linked to the record the CRM has (Dynamics 365 refuses an incident without one).
    A CRM that does not answer fails the batch (retried), as for calls."""
    pending = [r for r in records if not r.payload.get("contact_crm_id") and r.call_id]
    if not pending:
        return
    account = connector.account
    phones = dict(
        Call.objects.for_tenant(account.tenant_id)
        .filter(pk__in=[r.call_id for r in pending])
        .exclude(phone_e164="")
        .values_list("pk", "phone_e164")
    )
    if not phones:
        return
    policy = matching.policies_for([account])[account.pk]
    known = lookup_many(account, list(phones.values()))
    for record in pending:
        found = [
            m
            for m in known.get(phones.get(record.call_id, "")) or []
            if m.connector_id == account.pk
        ]
        match = (
            matching.choose(found, policy, record.payload.get("owner_crm_id", "")) if found else {}
        )
        if not match.get("crm_id"):
            continue
        payload = {
            **record.payload,
            "contact_crm_id": match["crm_id"],
            "contact_type": match["type"] or "contact",
        }
        SyncRecord.objects.for_tenant(record.tenant_id).filter(
            pk=record.pk, lease=record.lease, state=SyncState.RUNNING
        ).update(payload=payload, match={**match, "resolved": True})
        record.payload, record.match = payload, {**match, "resolved": True}


def send_completions(connector, records: list) -> list[WriteResult]:
    """Outbox sender of kind "ticket_complete": one complete_ticket per row."""
    account = connector.account
    if not account.provider.can(Capability.TICKET_COMPLETION):
        message = refusal(account.kind, Capability.TICKET_COMPLETION)
        return [
            kinds.Skipped(key=r.key, reason="not_supported", detail={"message": message})
            for r in records
        ]
    tickets = {
        t.key: t
        for t in SyncRecord.objects.for_tenant(account.tenant_id).filter(
            connector=account, kind=TICKET, key__in=[r.key for r in records]
        )
    }
    results = []
    for r in records:
        ticket = tickets.get(r.key)
        crm_id = r.payload.get("crm_id") or (
            ticket.crm_record_id if ticket and ticket.state == SyncState.SYNCED else ""
        )
        if not crm_id:
            results.append(_no_ticket(r, ticket))
            continue
        completion = TicketCompletion(
            key=r.key,
            crm_id=crm_id,
            outcome=r.payload.get("outcome", ""),
            description=r.payload.get("description", ""),
        )
        try:
            result = connector.complete_ticket(completion)
        except ConnectorError as exc:
            results.append(WriteResult(key=r.key, error=str(exc), permanent=exc.permanent))
            continue
        result.key, result.crm_id = r.key, result.crm_id or crm_id
        results.append(result)
    return results


def _no_ticket(record, ticket) -> WriteResult:
    if ticket is None or ticket.state == SyncState.SKIPPED:
        return kinds.Skipped(
            key=record.key,
            reason="no_ticket",
            detail={"message": "the ticket was never created in the CRM"},
        )
    return WriteResult(key=record.key, error=f"The completion {WAITING} ({ticket.state}).")
