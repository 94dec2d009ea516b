"""Retry of one call (POST /calls/{id}/retry/, the call page's button): decided again.

A failed or dead call log is rebuilt with today's settings, mappings and contacts before it is
re-queued (not re-sent as first built), so a record imported since the call is linked now;
a call skipped because its caller was unknown is matched again and, when there is something
to resolve, queued for the delivery to look the number up again. Tickets and callbacks are
re-queued as they are (their plan is computed at delivery). Runs with the call's row lock, as
the fold does, so a concurrent fold and a retry never both rebuild the same row.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from calls.call_logs import CALL_LOG
from calls.callers import UNKNOWN_CALLER
from calls.decisions import call_log_payloads
from calls.models import Call, CallSyncSettings
from connectors import breaker
from delivery import outbox
from delivery.models import SyncRecord, SyncState

REBUILT = (SyncState.FAILED, SyncState.DEAD)


def retry_call(call) -> int:
    """Rebuild and re-queue what is due for this call; returns how many rows were queued."""
    with transaction.atomic():
        call = (
            Call.objects.for_tenant(call.tenant_id)
            .select_for_update()
            .prefetch_related("activities")
            .get(pk=call.pk)
        )
        rows = list(
            SyncRecord.objects.for_tenant(call.tenant_id)
            .filter(call=call, kind=CALL_LOG)
            .filter(Q(state__in=REBUILT) | Q(state=SyncState.SKIPPED, reason=UNKNOWN_CALLER))
            .select_related("connector")
            .select_for_update()
        )
        requeued = sum(_rebuild(call, row) for row in rows)
    others = SyncRecord.objects.for_tenant(call.tenant_id).filter(call=call).exclude(kind=CALL_LOG)
    return requeued + outbox.retry(others)


def _rebuild(call, row: SyncRecord) -> int:
    conf = CallSyncSettings.for_connector(row.connector)
    built = call_log_payloads(row.connector, conf, [call]).get(call.pk)
    if built is None:  # the template is not usable now: re-send what was built before
        return outbox.retry(SyncRecord.objects.for_tenant(row.tenant_id).filter(pk=row.pk))
    payload, detail, match = built
    settled_skip = match.get("resolved") and match.get("unknown_caller") == "skip"
    if row.state == SyncState.SKIPPED and settled_skip and not match.get("crm_id"):
        return 0  # still unknown, and nothing to ask the CRM: the skip holds
    now = timezone.now()
    breaker.allow_probe(row.connector, now)  # a person asked: probe a failure pause now
    SyncRecord.objects.for_tenant(row.tenant_id).filter(pk=row.pk, state=row.state).update(
        payload=payload,
        reason_detail=detail,
        match=match,
        state=SyncState.PENDING,
        reason="",
        attempts=0,
        last_error="",
        next_attempt_at=now,
        updated_at=now,
    )
    outbox.kick(row.connector_id, CALL_LOG)
    return 1
