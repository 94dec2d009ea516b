"""The call path: stored events -> fold into calls (+ activities) -> decisions -> outbox.

`fold_calls` works in chunks, each one transaction holding the calls' row locks (taken in
call_id order, so concurrent folds never deadlock). It recomputes each call from *all* its
stored events (calls/folding.py), so a late, duplicate or re-delivered event converges.
A call decided before and changed by new events has its CRM call logs revised (calls/late.py).
"""

import logging

from django.db import transaction
from django.utils import timezone

from calls.decisions import decide_calls
from calls.folding import fold
from calls.late import revise_calls
from calls.models import Call, CallActivity, CallEvent
from calls.signals import calls_folded
from portal.phones import normalize, tail
from tenants.models import Tenant

log = logging.getLogger(__name__)

CHUNK = 200
CALL_FIELDS = [
    "direction",
    "caller",
    "callee",
    "caller_e164",
    "callee_e164",
    "caller_tail",
    "callee_tail",
    "phone_e164",
    "queue",
    "status",
    "privacy",
    "agent_id",
    "agent_email",
    "started_at",
    "answered_at",
    "ended_at",
    "duration_seconds",
    "wait_seconds",
    "recording_url",
    "notes",
    "disposition",
    "tags",
    "ended",
    "decided_at",
    "updated_at",
]
ACTIVITY_FIELDS = ["agent_id", "agent_email", "started_at", "answered_at", "ended_at"]


def fold_calls(tenant_id: int, call_ids: list[str]) -> int:
    """Fold the given calls of one tenant; returns how many calls were decided now."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return 0
    ids = sorted(set(call_ids))
    decided = 0
    for i in range(0, len(ids), CHUNK):
        with transaction.atomic():
            decided += _fold_chunk(tenant, ids[i : i + CHUNK])
    return decided


def _fold_chunk(tenant, call_ids: list[str]) -> int:
    Call.objects.bulk_create(
        [Call(tenant=tenant, call_id=c) for c in call_ids], ignore_conflicts=True
    )
    calls = list(
        Call.objects.for_tenant(tenant)
        .filter(call_id__in=call_ids)
        .order_by("call_id")
        .select_for_update()
    )
    events_by_call: dict[str, list] = {c: [] for c in call_ids}
    events = CallEvent.objects.for_tenant(tenant).filter(call_id__in=call_ids)
    event_ids, fresh = [], set()
    for ev in events.only(
        "id", "event_id", "call_id", "activity_id", "type", "occurred_at", "data", "folded"
    ):
        events_by_call[ev.call_id].append(ev)
        event_ids.append(ev.id)
        if not ev.folded:
            fresh.add(ev.call_id)
    now = timezone.now()
    activities = []
    for call in calls:
        state = fold(events_by_call.get(call.call_id, []))
        _apply(call, state, tenant.default_region)
        call.updated_at = now
        call.legs = [
            CallActivity(tenant=tenant, call=call, activity_id=a.activity_id, **_act_fields(a))
            for a in sorted(state.activities.values(), key=lambda a: (a.started_at, a.activity_id))
        ]
        activities += call.legs
    # One INSERT ... ON CONFLICT DO UPDATE for the whole chunk (bulk_update's CASE WHEN per
    # field and row is ~100x slower). The rows exist and are locked by us: this only updates.
    Call.objects.bulk_create(
        [
            Call(tenant=tenant, call_id=c.call_id, **{f: getattr(c, f) for f in CALL_FIELDS})
            for c in calls
        ],
        update_conflicts=True,
        unique_fields=["tenant", "call_id"],
        update_fields=CALL_FIELDS,
    )
    if activities:
        CallActivity.objects.bulk_create(
            activities,
            update_conflicts=True,
            unique_fields=["call", "activity_id"],
            update_fields=ACTIVITY_FIELDS,
        )
    CallEvent.objects.for_tenant(tenant).filter(id__in=event_ids, folded=False).update(folded=True)
    progressed = [c for c in calls if c.call_id in fresh and c.decided_at is None]
    if progressed:  # automations: tickets of triggers on ringing / answered
        calls_folded.send(sender=None, tenant=tenant, calls=progressed)
    # Events after the decision: re-send the CRM record if what it would say has changed.
    late = [c for c in calls if c.ended and c.decided_at is not None and c.call_id in fresh]
    if late:
        revise_calls(tenant, late)
    to_decide = [c for c in calls if c.ended and c.decided_at is None]
    if to_decide:
        decide_calls(tenant, to_decide)
        Call.objects.for_tenant(tenant).filter(pk__in=[c.pk for c in to_decide]).update(
            decided_at=now
        )
    return len(to_decide)


def _act_fields(a) -> dict:
    return {name: getattr(a, name) for name in ACTIVITY_FIELDS}


def _apply(call: Call, state, region: str) -> None:
    for name in (
        "direction",
        "caller",
        "callee",
        "queue",
        "status",
        "privacy",
        "agent_id",
        "agent_email",
        "started_at",
        "answered_at",
        "ended_at",
        "duration_seconds",
        "wait_seconds",
        "recording_url",
        "notes",
        "disposition",
        "tags",
        "ended",
    ):
        setattr(call, name, getattr(state, name))
    call.caller_e164 = normalize(call.caller, region) or ""
    call.callee_e164 = normalize(call.callee, region) or ""
    call.caller_tail, call.callee_tail = tail(call.caller), tail(call.callee)
    customer = call.caller_e164 if call.direction != "out" else call.callee_e164
    call.phone_e164 = customer or ""


def unfolded_calls(older_than_seconds: float = 1.0, limit: int = 5000) -> dict[int, list[str]]:
    """tenant_id -> call_ids with events not folded yet (their fold message may be lost)."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    rows = (
        CallEvent.objects.unscoped()  # the sweeper: every tenant's unfolded events
        .filter(folded=False, received_at__lte=cutoff)
        .values_list("tenant_id", "call_id")
        .distinct()[:limit]
    )
    found: dict[int, list[str]] = {}
    for tenant_id, call_id in rows:
        found.setdefault(tenant_id, []).append(call_id)
    return found
