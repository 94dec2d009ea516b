"""Late events: a decided call whose re-fold changes its CRM record gets that record re-sent.

The fold calls `revise_calls` (in its transaction, holding the calls' row locks) for calls
that had been decided, have ended and had new events in this fold. For each of their
call-log rows that is queued or delivered, the CallLog payload is rebuilt with the
decisions' own builders and compared with the stored one; only a different payload is
written, so a re-delivered or irrelevant event causes no CRM traffic. The row then goes
back through the outbox under the same key with its stored crm_record_id, and the connector
updates that CRM record where its CRM can (Capability.CALL_UPDATES), else answers
"unchanged" and the call page says so (calls/log_writes.py, SyncRecord.last_action):

- pending / failed / dead: the new payload replaces the old one; state, attempts and
  next_attempt_at are kept (a dead row sends the current data when retried by hand);
- synced: back to pending, due now, attempts 0 (a new delivery), CRM link kept;
- running (a worker may be sending the old payload right now): its lease is revoked and
  the row is due when that lease would have expired, so the old request cannot land after
  the new one; the old request's outcome is discarded (the row is no longer ours).

Skipped decisions are not revisited here (a retry decides them again: calls/retry.py), and
tickets and callbacks are not revisited. A call that a
late event made private sends nothing more: rows not delivered yet become skipped
("private"); what the CRM already has stays.
"""

from collections import defaultdict

from django.db.models import F
from django.utils import timezone

from calls.call_logs import CALL_LOG
from calls.decisions import call_log_payloads
from calls.models import CallSyncSettings
from connectors.models import ConnectorAccount
from delivery import outbox
from delivery.models import SyncRecord, SyncState

REVISED = (SyncState.PENDING, SyncState.RUNNING, SyncState.SYNCED, SyncState.FAILED, SyncState.DEAD)
UNSENT = (SyncState.PENDING, SyncState.FAILED, SyncState.DEAD)


def revise_calls(tenant, calls: list) -> int:
    """Rebuild the call logs of decided calls after late events; returns rows changed."""
    by_pk = {c.pk: c for c in calls}
    rows = list(
        SyncRecord.objects.for_tenant(tenant)
        .filter(call_id__in=by_pk, kind=CALL_LOG, state__in=REVISED)
        .order_by("id")
        .select_for_update()  # a worker's result waits for us, then finds the row changed
    )
    by_connector = defaultdict(list)
    for row in rows:
        by_connector[row.connector_id].append(row)
    now, changed, kicks, revised = timezone.now(), 0, set(), []
    accounts = ConnectorAccount.objects.for_tenant(tenant).filter(pk__in=by_connector)
    for account in accounts.order_by("pk"):
        records = by_connector[account.pk]
        conf = CallSyncSettings.for_connector(account)
        built = call_log_payloads(account, conf, [by_pk[r.call_id] for r in records])
        for record in records:
            call = by_pk[record.call_id]
            if call.privacy == "private":
                changed += _withhold(record, now)
                continue
            if call.pk not in built:  # its template is not usable now: keep what was sent
                continue
            payload, detail, match = _keep_resolution(record, *built[call.pk])
            if payload == record.payload:
                continue
            if record.state != SyncState.DEAD:
                kicks.add(account.pk)
            _revise(record, payload, detail, match, now)
            revised.append(record)
    if revised:  # one UPDATE for all (the rows are locked by us: the values read are current)
        SyncRecord.objects.for_tenant(tenant).bulk_update(revised, REVISED_FIELDS)
    changed += len(revised)
    for connector_id in sorted(kicks):
        outbox.kick(connector_id, CALL_LOG)
    return changed


def _keep_resolution(record: SyncRecord, payload: dict, detail: dict, match: dict):
    """A number the store did not know at the decision may have been resolved by the delivery
    (calls/callers.py: found live, created, or logged unlinked): a late event keeps that
    outcome instead of asking the CRM again."""
    old = record.match or {}
    if match.get("candidates") or not old.get("resolved") or old.get("candidates"):
        return payload, detail, match
    payload = {
        **payload,
        "contact_crm_id": record.payload.get("contact_crm_id", ""),
        "contact_type": record.payload.get("contact_type", payload.get("contact_type")),
    }
    return payload, {**detail, "contact_crm_id": payload["contact_crm_id"]}, old


REVISED_FIELDS = [
    "payload",
    "reason_detail",
    "match",
    "late_updates",
    "late_updated_at",
    "updated_at",
    "state",
    "next_attempt_at",
    "attempts",
    "last_error",
    "locked_until",
    "lease",
]


def _revise(record: SyncRecord, payload: dict, detail: dict, match: dict, now) -> None:
    """Put the new payload on the (locked) row in hand; `revise_calls` writes them all."""
    record.payload, record.reason_detail, record.match = payload, detail, match
    record.late_updates += 1
    record.late_updated_at = record.updated_at = now
    if record.state == SyncState.SYNCED:
        record.state, record.next_attempt_at, record.attempts = SyncState.PENDING, now, 0
        record.last_error = ""
    elif record.state == SyncState.RUNNING:
        record.next_attempt_at = max(now, record.locked_until or now)
        record.state, record.locked_until, record.lease = SyncState.PENDING, None, None


def _withhold(record: SyncRecord, now) -> int:
    """The call became private: what was not delivered yet is never sent."""
    if record.state not in UNSENT:
        return 0
    SyncRecord.objects.for_tenant(record.tenant_id).filter(pk=record.pk).update(
        state=SyncState.SKIPPED,
        reason="private",
        reason_detail={},
        payload={},
        next_attempt_at=None,
        late_updates=F("late_updates") + 1,
        late_updated_at=now,
        updated_at=now,
    )
    return 1
