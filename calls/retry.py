"""Retry decides again (POST /calls/{id}/retry/, the call page's button, the bulk retry job).

`redecide(call) -> list[Outcome]`: under the call's row lock (as the fold holds it, so a fold
and a retry never both rebuild a row), for each of the tenant's connectors the call is decided
again with today's settings, mappings and contacts (calls.decisions.decide_one), and its
call-log row moves accordingly:

* failed / dead: rebuilt from today's data and re-queued (not re-sent as first built); when a
  skip reason applies now (the call became private, sync was turned off) it ends skipped;
* skipped: sent (re-queued with a fresh payload) when the reason no longer holds (connector
  authorized or enabled again, minimum duration lowered, unclassified calls allowed, the
  duplicate gone, the template fixed, the unknown caller now resolvable); else it stays;
* pending / running / synced: left alone (a synced record is updated by late events only);
* no row (a connector added since): decided as new.

Each Outcome says in words what changed ("rebuilt: owner now 005B (was the default)", "sent:
connector authorized again", "still skipped: private"); the note is stored on the row
(SyncRecord.retry_note, retried_at) for the call page and the API. Tickets and callbacks are
re-queued as they are (their plan is computed at delivery).

The shape for other kinds (interactions mirror it): `redecide(obj) -> list[Outcome]`, one
Outcome(connector_id, connector, before, after, note) per connector; `after` is the row's state
after the retry; `queued` counts rows now pending.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from calls.call_logs import CALL_LOG
from calls.decisions import call_log_key, decide_one
from calls.models import Call, CallSyncSettings
from calls.reasons import REASONS
from connectors import breaker
from connectors.models import ConnectorAccount
from delivery import outbox
from delivery.models import SyncRecord, SyncState

LEFT_ALONE = (SyncState.PENDING, SyncState.RUNNING, SyncState.SYNCED)
WHY_SENT = {
    "sync_disabled": "call sync turned on again",
    "not_authorized": "connector enabled again",
    "unclassified": "unclassified calls are synced now",
    "below_min_duration": "the minimum duration is now {min} s",
    "duplicate": "no longer a duplicate",
    "bad_template": "the subject template works now",
    "unknown_caller": "the caller can be matched now",
    "private": "no longer private",
}
COMPARED = (("owner_crm_id", "owner"), ("contact_crm_id", "contact"), ("subject", "subject"))


@dataclass
class Outcome:
    connector_id: int
    connector: str
    before: str  # the row's state before ("" = no row)
    after: str
    note: str

    @property
    def queued(self) -> bool:
        return self.after == SyncState.PENDING and self.before not in LEFT_ALONE


def redecide(call) -> list[Outcome]:
    """Decide the call again for every connector; returns what happened per connector."""
    kicks: set[int] = set()
    with transaction.atomic():
        call = (
            Call.objects.for_tenant(call.tenant_id)
            .select_for_update()
            .prefetch_related("activities")
            .get(pk=call.pk)
        )
        rows = {
            r.connector_id: r
            for r in SyncRecord.objects.for_tenant(call.tenant_id)
            .filter(call=call, kind=CALL_LOG)
            .select_for_update()
        }
        outcomes = []
        if call.decided_at is not None:  # an undecided call is decided when it ends
            accounts = ConnectorAccount.objects.for_tenant(call.tenant_id).order_by("pk")
            for account in accounts:
                outcome = _one(call, account, rows.get(account.pk))
                outcomes.append(outcome)
                if outcome.queued:
                    kicks.add(account.pk)
    for connector_id in sorted(kicks):
        outbox.kick(connector_id, CALL_LOG)
    return outcomes


def retry_call(call) -> int:
    """The single retry: decide the call again, re-queue its other writes; rows queued."""
    outcomes = redecide(call)
    others = SyncRecord.objects.for_tenant(call.tenant_id).filter(call=call).exclude(kind=CALL_LOG)
    return sum(o.queued for o in outcomes) + outbox.retry(others)


def _one(call, account, row: SyncRecord | None) -> Outcome:
    before = row.state if row else ""
    if row is not None and row.state in LEFT_ALONE:
        word = "already in the CRM" if row.state == SyncState.SYNCED else "already queued"
        return Outcome(account.pk, account.name, before, before, f"unchanged: {word}")
    conf = CallSyncSettings.for_connector(account)
    reason, detail, built = decide_one(account, conf, call)
    now = timezone.now()
    if built is None:
        if row is not None and row.state == SyncState.SKIPPED and row.reason == reason:
            note = f"still skipped: {reason}"
        else:
            note = f"skipped: {_reason_words(reason, detail)}"
        fields = dict(state=SyncState.SKIPPED, reason=reason, reason_detail=detail)
        fields.update(next_attempt_at=None)
        _save(call, account, row, now, note, fields)
        return Outcome(account.pk, account.name, before, SyncState.SKIPPED, note)
    payload, reason_detail, match = built
    if row is None:
        note = "sent: decided for a connector added since"
    elif row.state == SyncState.SKIPPED:
        note = "sent: " + WHY_SENT.get(row.reason, f"{row.reason} no longer holds").format_map(
            _Keep(detail or {}, **{"min": conf.min_duration_seconds})
        )
    else:
        note = "rebuilt: " + _changes(row.payload or {}, payload)
    breaker.allow_probe(account, now)  # a person asked: probe a failure pause now
    fields = dict(
        state=SyncState.PENDING,
        reason="",
        reason_detail=reason_detail,
        payload=payload,
        match=match,
        attempts=0,
        last_error="",
        next_attempt_at=now,
    )
    _save(call, account, row, now, note, fields)
    return Outcome(account.pk, account.name, before, SyncState.PENDING, note)


def _save(call, account, row, now, note: str, fields: dict) -> None:
    fields.update(retry_note=note[:300], retried_at=now, updated_at=now)
    if row is not None:
        SyncRecord.objects.for_tenant(call.tenant_id).filter(pk=row.pk).update(**fields)
        return
    SyncRecord.objects.create(
        tenant_id=call.tenant_id, connector=account, kind=CALL_LOG, key=call_log_key(call),
        call=call, **fields,
    )  # fmt: skip


def _changes(old: dict, new: dict) -> str:
    said = []
    for name, word in COMPARED:
        if (old.get(name) or "") != (new.get(name) or ""):
            was = old.get(name) or "none"
            said.append(f"{word} now {new.get(name) or 'none'} (was {was})")
    return "; ".join(said) or "with today's data (nothing changed)"


def _reason_words(reason: str, detail: dict) -> str:
    text = REASONS.get(reason, reason).format_map(_Keep(detail or {}))
    return text.removeprefix("not synced: ")


class _Keep(dict):
    def __missing__(self, key):
        return "?"
