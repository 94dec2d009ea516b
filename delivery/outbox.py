"""The outbox: CRM writes recorded as SyncRecord rows, delivered by Celery, each try recorded.

API for the apps above it (calls' call logs, automations' tickets and callbacks):

    from delivery import kinds, outbox
    kinds.register("ticket", "Ticket", send_tickets, crm_object="Case")  # in AppConfig.ready
    outbox.enqueue(connector, kind="ticket", key="cc-1-t5-1WS.58184",
                   payload=asdict(ticket_request), call=call)   # idempotent by (connector, kind, key)
    outbox.enqueue_many([SyncRecord(...), ...])                  # bulk, existing keys left alone

Rows are claimed in batches with SELECT ... FOR UPDATE SKIP LOCKED and leased
(`locked_until` + a `lease` token); results are applied only while the lease is ours. A row
whose worker died is re-claimed by the sweeper when its lease expires; the CRM write is
idempotent by `key`, so the retry never creates a second record. Every try ends as one
DeliveryAttempt row (written in one INSERT per batch): synced, failed, dead, lost (its worker
died) or discarded (its result came after the row was taken over).

Fairness (delivery/admission.py, connectors/breaker.py): a claim is refused while the
connector's circuit breaker is open or DELIVERY_MAX_IN_FLIGHT_PER_CONNECTOR of its batches are
in flight; a batch is sent with the HTTP seam's inline waits off, and its failure feeds the
breaker (a 429 / Retry-After pauses the connector and pushes its due rows past the pause);
slow connectors together hold at most DELIVERY_MAX_SLOW_IN_FLIGHT slots (admission.py), and
probes, first batches and slow connectors are delivered on the `slow` queue (SLOW_DELIVER_TASK).
"""

import logging
import random
import time
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, CharField, DateTimeField, F, Value, When
from django.utils import timezone

from connectors import breaker
from connectors.errors import AuthError, ConnectorError
from connectors.models import ConnectorAccount
from connectors.registry import connector_for
from connectors.types import WriteResult
from delivery import admission, kinds
from delivery.models import DUE_STATES, AttemptOutcome, DeliveryAttempt, SyncRecord, SyncState
from portal import http, metrics
from portal.celery import ring, ring_once

log = logging.getLogger(__name__)

# The deliver task (delivery/tasks.py). Its name dates from when the outbox lived in calls;
# kept so queued messages, routes (CELERY_TASK_ROUTES) and deployed workers stay valid.
DELIVER_TASK = "calls.deliver"
# The same task on the `slow` queue, served by its own workers (admission.slow_lane).
SLOW_DELIVER_TASK = "delivery.deliver_slow"


# --- enqueue -----------------------------------------------------------------------------------


def enqueue(connector, *, kind: str, key: str, payload: dict, call=None, **fields) -> SyncRecord:
    """Queue one write (or record a skip with state="skipped", reason=...). Idempotent by key."""
    record, created = SyncRecord.objects.for_tenant(connector.tenant_id).get_or_create(
        connector=connector,
        kind=kind,
        key=key,
        defaults={
            "tenant_id": connector.tenant_id,
            "call": call,
            "payload": payload,
            "next_attempt_at": timezone.now()
            if fields.get("state", "pending") == "pending"
            else None,
            **fields,
        },
    )
    if created and record.state == SyncState.PENDING:
        kick(connector.pk, kind)
    return record


def enqueue_many(records: list[SyncRecord]) -> None:
    """Bulk insert prepared rows (existing keys are left alone) and kick delivery on commit."""
    now = timezone.now()
    for r in records:
        if r.state == SyncState.PENDING:
            r.next_attempt_at = r.next_attempt_at or now
    SyncRecord.objects.bulk_create(records, ignore_conflicts=True, batch_size=500)
    for connector_id, kind in sorted(
        {(r.connector_id, r.kind) for r in records if r.state == SyncState.PENDING}
    ):
        kick(connector_id, kind)


def kick(connector_id: int, kind: str) -> None:
    ring(DELIVER_TASK, connector_id, kind)  # best effort: the sweeper re-kicks due rows


# --- doorbells of the sweeper and of the deliver task ------------------------------------------


def doorbell_key(connector_id: int, kind: str) -> str:
    return f"calls.deliver:{connector_id}:{kind}"


def ring_deliver(connector_id: int, kind: str, slow: bool = False) -> bool:
    """Send a deliver message (to the slow lane with `slow`) unless one is already waiting for
    this connector and kind, on either lane."""
    task = SLOW_DELIVER_TASK if slow else DELIVER_TASK
    return ring_once(doorbell_key(connector_id, kind), task, connector_id, kind)


def ring_due() -> int:
    """The sweeper's part: ring (deduplicated) each connector+kind with due rows, including
    rows whose lease expired. Paused connectors are left alone until their pause ends; probes,
    unknown and slow connectors are rung on the slow lane."""
    now = timezone.now()
    pairs = sorted(
        set(
            SyncRecord.objects.unscoped()  # the sweeper: every tenant's due rows
            .due(now)
            .values_list("connector_id", "kind")
            .distinct()[:1000]
        )
    )
    lanes = admission.lanes([c for c, _ in pairs], now)
    return sum(
        ring_deliver(c, kind, slow=lanes[c] == "slow")
        for c, kind in pairs
        if lanes.get(c, "paused") != "paused"
    )


# --- claim and deliver ---------------------------------------------------------------------------


def claim(connector_id: int, kind: str, limit: int) -> list[SyncRecord]:
    """Lease up to `limit` due rows of one connector+kind (skipping rows leased by others);
    none while the connector is paused or already has its cap of batches in flight."""
    now = timezone.now()
    lease = SyncRecord.new_lease()
    with transaction.atomic():
        if not admission.admit(connector_id, now):
            return []
        # Two ordered reads that stop at `limit` (an OR of both would sort the whole backlog):
        # rows whose lease expired (a dead worker's), then due pending / failed rows through
        # the partial index sync_due_by_connector.
        mine = SyncRecord.objects.unscoped().filter(connector_id=connector_id, kind=kind)
        fields = ("id", "tenant_id", "state", "attempts", "locked_until")
        rows = list(
            mine.filter(state=SyncState.RUNNING, locked_until__lt=now)
            .order_by("locked_until", "id")
            .select_for_update(skip_locked=True)
            .values_list(*fields)[:limit]
        )
        if len(rows) < limit:
            rows += list(
                mine.filter(state__in=DUE_STATES, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "id")
                .select_for_update(skip_locked=True)
                .values_list(*fields)[: limit - len(rows)]
            )
        if not rows:
            return []
        ids = [row[0] for row in rows]
        lease_seconds = settings.CALLS_LEASE_SECONDS
        SyncRecord.objects.unscoped().filter(id__in=ids).update(
            state=SyncState.RUNNING,
            locked_until=now + timedelta(seconds=lease_seconds),
            lease=lease,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
        lost = [
            DeliveryAttempt(
                tenant_id=tenant_id,
                record_id=pk,
                number=attempts,
                started_at=min(now, locked_until - timedelta(seconds=lease_seconds)),
                finished_at=locked_until,
                outcome=AttemptOutcome.LOST,
                error="The worker stopped before recording a result; its lease expired.",
            )
            for pk, tenant_id, state, attempts, locked_until in rows
            if state == SyncState.RUNNING
        ]
        if lost:
            DeliveryAttempt.objects.bulk_create(lost)
    return list(SyncRecord.objects.unscoped().filter(id__in=ids, lease=lease).order_by("id"))


def deliver_batch(account, kind: str) -> int:
    """Claim one batch for `account` and send it in one CRM request. Returns rows handled."""
    connector = connector_for(account)
    records = claim(account.pk, kind, admission.batch_limit(account, timezone.now()))
    if not records:
        return 0
    entry = kinds.get(kind)
    tries: list[DeliveryAttempt] = []  # this batch's attempt rows, written in one INSERT
    sending = time.monotonic()
    try:
        if entry is None:
            raise ConnectorError(f"No delivery handler for {kind!r} records", permanent=True)
        http.forget_request_id()
        with http.no_inline_waits():  # a slow or rate-limiting CRM must not hold the slot
            results = entry.send(connector, records)
    except ConnectorError as exc:
        exc.request_id = exc.request_id or http.last_request_id()  # the CRM's id, for support
        fail_many(records, exc, attempts=tries)  # one UPDATE for the batch
        DeliveryAttempt.objects.bulk_create(tries)
        until = breaker.record_failure(account, exc)
        if until is not None:
            admission.pause_rows(account.pk, until)
            log.warning("connector %s paused until %s: %s", account.pk, until, exc)
        else:
            admission.record_pace(account, time.monotonic() - sending, timezone.now())
        return len(records)
    breaker.record_success(account)
    admission.record_pace(account, time.monotonic() - sending, timezone.now())
    batch_id = http.last_request_id()  # the CRM's id of the (last) request of this batch
    by_key = {r.key: r if r.request_id else replace(r, request_id=batch_id) for r in results}
    synced = []
    for record in records:
        result = by_key.get(record.key)
        if isinstance(result, kinds.Skipped):
            skip(record, result, attempts=tries)
        elif result is None:
            missing = ConnectorError("The CRM returned no result for this record")
            missing.request_id = batch_id
            fail(record, missing, attempts=tries)
        elif result.ok:
            synced.append((record, result))
        else:
            error = ConnectorError(result.error, permanent=result.permanent)
            error.request_id = request_id(result)
            fail(record, error, attempts=tries)
    succeed_many(synced, connector, attempts=tries)
    DeliveryAttempt.objects.bulk_create(tries)
    return len(records)


def request_id(obj) -> str:
    """The CRM's id of the request, where the connector put one on its WriteResult or
    ConnectorError (optional: most CRMs return none)."""
    return str(getattr(obj, "request_id", "") or "")[:128]


def _attempt(record: SyncRecord, outcome: str, error: str = "", crm_request_id: str = ""):
    return DeliveryAttempt(
        tenant_id=record.tenant_id,
        record_id=record.pk,
        number=record.attempts,
        started_at=record.updated_at,  # the claim's time (claim() sets updated_at)
        finished_at=timezone.now(),
        outcome=outcome,
        error=error,
        crm_request_id=crm_request_id,
    )


def _save(attempts_: list[DeliveryAttempt], into: list | None) -> None:
    if into is None:
        DeliveryAttempt.objects.bulk_create(attempts_)
    else:
        into.extend(attempts_)


def _mine(record: SyncRecord):
    rows = SyncRecord.objects.for_tenant(record.tenant_id)
    return rows.filter(pk=record.pk, lease=record.lease, state=SyncState.RUNNING)


def _record_url(record: SyncRecord, result: WriteResult, connector) -> str:
    if result.url or not result.crm_id:
        return (result.url or "")[:500]
    entry = kinds.get(record.kind)
    try:
        crm_object = entry.crm_object if entry else record.kind
        return (connector.record_url(crm_object, result.crm_id) or "")[:500]
    except Exception:  # a link is a nicety; never fail the sync for it
        return ""


def succeed_many(
    pairs: list[tuple[SyncRecord, WriteResult]], connector, *, attempts: list | None = None
) -> None:
    """Mark a batch synced in one UPDATE ... FROM (VALUES ...), only rows still leased by us;
    one attempt row each (`attempts`: collect them there instead of writing them now)."""
    if not pairs:
        return
    if connection.vendor != "postgresql":  # portable path (SQLite has no VALUES aliases)
        now = timezone.now()
        ours = set()
        for record, result in pairs:
            action = write_action(record, result)
            written = {"crm_updated_at": now} if action in WRITTEN else {}
            if _mine(record).update(
                state=SyncState.SYNCED,
                crm_record_id=result.crm_id[:128],
                crm_record_url=_record_url(record, result, connector),
                last_action=action,
                **written,
                last_error="",
                next_attempt_at=None,
                locked_until=None,
                lease=None,
                synced_at=now,
                updated_at=now,
            ):
                ours.add(record.pk)
    else:
        ours = _succeed_postgres(pairs, connector)
    metrics.delivered(connector, [r for r, _ in pairs if r.pk in ours], timezone.now())
    _save(
        [
            _attempt(
                record,
                AttemptOutcome.SYNCED if record.pk in ours else AttemptOutcome.DISCARDED,
                "" if record.pk in ours else "Synced, but the row had been taken over meanwhile.",
                request_id(result),
            )
            for record, result in pairs
        ],
        attempts,
    )


WRITTEN = ("created", "updated")  # the CRM record changed: the sync entry's `updated_at`
ACTIONS = ("created", "updated", "linked", "unchanged")


def write_action(record: SyncRecord, result: WriteResult) -> str:
    """What the write did (WriteResult.action). A connector that upserts by key without
    saying so answers "created" with the id it had: that record was updated."""
    action = result.action if result.action in ACTIONS else "created"
    same = record.crm_record_id and result.crm_id == record.crm_record_id
    return "updated" if action == "created" and same else action


def _succeed_postgres(pairs, connector) -> set[int]:
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    lease = pairs[0][0].lease
    values, params = [], []
    for record, result in pairs:
        values.append("(%s, %s, %s, %s)")
        action = write_action(record, result)
        params += [record.pk, result.crm_id[:128], _record_url(record, result, connector), action]
    table = SyncRecord._meta.db_table
    written = ", ".join(f"'{a}'" for a in WRITTEN)  # constants
    sql = (
        f"UPDATE {table} SET state = %s, crm_record_id = v.crm_id, crm_record_url = v.url, "  # noqa: S608
        f"last_action = v.action, crm_updated_at = CASE WHEN v.action IN ({written}) "
        f"THEN %s ELSE {table}.crm_updated_at END, "
        "last_error = '', next_attempt_at = NULL, locked_until = NULL, lease = NULL, "
        f"synced_at = %s, updated_at = %s FROM (VALUES {', '.join(values)}) "
        f"AS v(id, crm_id, url, action) "
        f"WHERE {table}.id = v.id AND {table}.lease = %s AND {table}.state = %s "
        f"RETURNING {table}.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [SyncState.SYNCED, now, now, now, *params, lease, SyncState.RUNNING])
        return {pk for (pk,) in cursor.fetchall()}


def skip(record: SyncRecord, result: kinds.Skipped, *, attempts: list | None = None) -> None:
    """The sender decided not to write this row (kinds.Skipped): it ends skipped, for good."""
    now = timezone.now()
    ours = _mine(record).update(
        state=SyncState.SKIPPED,
        reason=result.reason[:32],
        reason_detail=result.detail,
        last_error="",
        next_attempt_at=None,
        locked_until=None,
        lease=None,
        updated_at=now,
    )
    outcome = AttemptOutcome.SKIPPED if ours else AttemptOutcome.DISCARDED
    _save([_attempt(record, outcome, "" if ours else "The row had been taken over.")], attempts)


def fail(record: SyncRecord, exc: ConnectorError, *, attempts: list | None = None) -> None:
    """One row failed (fail_many of one row)."""
    fail_many([record], exc, attempts=attempts)


def fail_many(records: list[SyncRecord], exc: ConnectorError, *, attempts: list | None = None):
    """Rows failed with one error. Transient: back off and retry; permanent or out of attempts:
    dead (manual retry). ONE UPDATE for the rows of one lease (a batch), only rows still
    leased by us; rows with the same attempts count share one jittered delay (they are claimed
    together again anyway). One attempt row each (`attempts`: collect them there)."""
    now = timezone.now()
    max_attempts = settings.CALLS_MAX_ATTEMPTS
    permanent = exc.permanent and not isinstance(exc, AuthError)  # re-authorize, then it works
    # The CRM asked to wait (429, Retry-After): not the row's fault, so it never dies of it and
    # comes back exactly when the CRM said (the breaker holds the whole connector meanwhile).
    waiting = breaker.asks_to_wait(exc) and not permanent
    error = str(exc)[:2000] or exc.__class__.__name__
    state: dict[int, str] = {}  # attempts count -> failed | dead
    when: dict[int, object] = {}  # attempts count -> next_attempt_at
    for n in {r.attempts for r in records}:
        dead = permanent or (n >= max_attempts and not waiting)
        delay = backoff(n, exc)
        if waiting and exc.retry_after is not None:
            delay = breaker.pause_seconds(exc, 1, "wait")
        state[n] = SyncState.DEAD if dead else SyncState.FAILED
        when[n] = None if dead else now + timedelta(seconds=delay)
    ours: set[int] = set()
    for lease in {r.lease for r in records}:
        ids = [r.pk for r in records if r.lease == lease]
        ours |= _fail_rows(ids, lease, now, error, state, when)
    outcome = {SyncState.DEAD: AttemptOutcome.DEAD, SyncState.FAILED: AttemptOutcome.FAILED}
    _save(
        [
            _attempt(
                r,
                outcome[state[r.attempts]] if r.pk in ours else AttemptOutcome.DISCARDED,
                error,
                request_id(exc),
            )
            for r in records
        ],
        attempts,
    )


def _by_attempts(values: dict, field):
    """One value, or CASE attempts WHEN n THEN value ... (rows of one batch differ in it)."""
    if len(set(values.values())) == 1:
        return Value(next(iter(values.values())), output_field=field)
    whens = [When(attempts=n, then=Value(v, output_field=field)) for n, v in values.items()]
    return Case(*whens, output_field=field)


def _fail_rows(ids, lease, now, error, state, when) -> set[int]:
    """The UPDATE of a failed batch; returns the ids it changed (still leased by us)."""
    mine = SyncRecord.objects.unscoped().filter(  # the rows of one lease (one connector)
        id__in=ids, lease=lease, state=SyncState.RUNNING
    )
    changed = mine.update(
        state=_by_attempts(state, CharField()),
        last_error=error,
        next_attempt_at=_by_attempts(when, DateTimeField()),
        locked_until=None,
        lease=None,
        updated_at=now,
    )
    if changed == len(ids):
        return set(ids)
    # Some rows were taken over meanwhile (an expired lease): ours are those this UPDATE wrote.
    rows = SyncRecord.objects.unscoped().filter(id__in=ids, lease=None, updated_at=now)
    return set(rows.filter(last_error=error).values_list("id", flat=True))


def backoff(attempts: int, exc: ConnectorError | None = None) -> float:
    """Equal jitter (half the exponential delay plus up to the other half: spread out, yet
    never an immediate retry of a CRM that just failed), never sooner than its Retry-After."""
    base, cap = settings.CALLS_RETRY_BASE_SECONDS, settings.CALLS_RETRY_CAP_SECONDS
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    delay = ceiling / 2 + random.uniform(0, ceiling / 2)
    retry_after = getattr(exc, "retry_after", None) or 0
    return max(float(retry_after), delay)


def retry(records) -> int:
    """Re-queue failed or dead rows now (manual retry); returns how many."""
    rows = list(records.filter(state__in=(SyncState.FAILED, SyncState.DEAD)))
    now = timezone.now()
    accounts = ConnectorAccount.objects.filter(tenant_id__in={r.tenant_id for r in rows})
    for account in accounts.filter(pk__in={r.connector_id for r in rows}):
        breaker.allow_probe(account, now)  # a person asked: probe a failure pause now
    for record in rows:
        SyncRecord.objects.for_tenant(record.tenant_id).filter(
            pk=record.pk, state=record.state
        ).update(state=SyncState.PENDING, attempts=0, next_attempt_at=now, updated_at=now)
        kick(record.connector_id, record.kind)
    return len(rows)
