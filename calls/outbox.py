"""The generic outbox: CRM writes recorded as SyncRecord rows, delivered by Celery.

API for other apps (e.g. automations' tickets and callbacks):

    from calls import outbox
    outbox.enqueue(connector, kind="ticket", key="trigger:5:call:1WS.58184",
                   payload=asdict(ticket_request), call=call)   # idempotent by (connector, kind, key)
    outbox.register_handler("callback", send_callbacks)           # fn(connector_obj, records) -> [WriteResult]

Rows are claimed in batches with SELECT ... FOR UPDATE SKIP LOCKED and leased
(`locked_until` + a `lease` token); results are applied only while the lease is ours. A row
whose worker died is re-claimed by the sweeper when its lease expires; the CRM write is
idempotent by `key`, so the retry never creates a second record.

Fairness (calls/admission.py, connectors/breaker.py): a claim is refused while the connector's
circuit breaker is open or DELIVERY_MAX_IN_FLIGHT_PER_CONNECTOR of its batches are in flight;
a batch is sent with the HTTP seam's inline waits off, and its failure feeds the breaker (a
429 / Retry-After pauses the connector and pushes its due rows past the pause).
"""

import logging
import random
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from calls import admission
from calls.models import SyncKind, SyncRecord, SyncState
from connectors import breaker
from connectors.errors import AuthError, ConnectorError
from connectors.models import ConnectorAccount
from connectors.types import CallLog, TicketRequest, WriteResult
from portal import http
from portal.celery import ring

log = logging.getLogger(__name__)

Handler = Callable[[object, list[SyncRecord]], list[WriteResult]]
HANDLERS: dict[str, Handler] = {}


def conf(name: str, default):
    return getattr(settings, name, default)


def register_handler(kind: str, handler: Handler) -> None:
    HANDLERS[kind] = handler


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
    from calls.tasks import deliver

    ring(deliver, connector_id, kind)  # best effort: calls.sweep re-kicks due rows


# --- claim and deliver ---------------------------------------------------------------------------


def claim(connector_id: int, kind: str, limit: int) -> list[SyncRecord]:
    """Lease up to `limit` due rows of one connector+kind (skipping rows leased by others);
    none while the connector is paused or already has its cap of batches in flight."""
    now = timezone.now()
    lease = SyncRecord.new_lease()
    with transaction.atomic():
        if not admission.admit(connector_id, now):
            return []
        ids = list(
            SyncRecord.objects.unscoped()  # a delivery worker: keyed by connector, any tenant
            .due(now)
            .filter(connector_id=connector_id, kind=kind)
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            return []
        until = now + timedelta(seconds=conf("CALLS_LEASE_SECONDS", 120))
        SyncRecord.objects.unscoped().filter(id__in=ids).update(
            state=SyncState.RUNNING,
            locked_until=until,
            lease=lease,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    return list(SyncRecord.objects.unscoped().filter(id__in=ids, lease=lease).order_by("id"))


def deliver_batch(account, kind: str) -> int:
    """Claim one batch for `account` and send it in one CRM request. Returns rows handled."""
    from connectors.registry import connector_for

    connector = connector_for(account)
    records = claim(account.pk, kind, max(1, int(connector.batch_size or 1)))
    if not records:
        return 0
    handler = HANDLERS.get(kind)
    try:
        if handler is None:
            raise ConnectorError(f"No delivery handler for {kind!r} records", permanent=True)
        with http.no_inline_waits():  # a slow or rate-limiting CRM must not hold the slot
            results = handler(connector, records)
    except ConnectorError as exc:
        for record in records:
            fail(record, exc)
        until = breaker.record_failure(account, exc)
        if until is not None:
            admission.pause_rows(account.pk, until)
            log.warning("connector %s paused until %s: %s", account.pk, until, exc)
        return len(records)
    breaker.record_success(account)
    by_key = {r.key: r for r in results}
    synced = []
    for record in records:
        result = by_key.get(record.key)
        if result is None:
            fail(record, ConnectorError("The CRM returned no result for this record"))
        elif result.ok:
            synced.append((record, result))
        else:
            fail(record, ConnectorError(result.error, permanent=result.permanent))
    succeed_many(synced, connector)
    return len(records)


def _mine(record: SyncRecord):
    rows = SyncRecord.objects.for_tenant(record.tenant_id)
    return rows.filter(pk=record.pk, lease=record.lease, state=SyncState.RUNNING)


def _record_url(record: SyncRecord, result: WriteResult, connector) -> str:
    if result.url or not result.crm_id:
        return (result.url or "")[:500]
    try:
        return (connector.record_url(crm_object_for(record.kind), result.crm_id) or "")[:500]
    except Exception:  # a link is a nicety; never fail the sync for it
        return ""


def succeed_many(pairs: list[tuple[SyncRecord, WriteResult]], connector) -> None:
    """Mark a batch synced in one UPDATE ... FROM (VALUES ...), only rows still leased by us."""
    if not pairs:
        return
    if connection.vendor != "postgresql":  # portable path (SQLite has no VALUES aliases)
        now = timezone.now()
        for record, result in pairs:
            _mine(record).update(
                state=SyncState.SYNCED,
                crm_record_id=result.crm_id[:128],
                crm_record_url=_record_url(record, result, connector),
                last_error="",
                next_attempt_at=None,
                locked_until=None,
                lease=None,
                synced_at=now,
                updated_at=now,
            )
        return
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    lease = pairs[0][0].lease
    values, params = [], []
    for record, result in pairs:
        values.append("(%s, %s, %s)")
        params += [record.pk, result.crm_id[:128], _record_url(record, result, connector)]
    table = SyncRecord._meta.db_table
    sql = (
        f"UPDATE {table} SET state = %s, crm_record_id = v.crm_id, crm_record_url = v.url, "  # noqa: S608
        "last_error = '', next_attempt_at = NULL, locked_until = NULL, lease = NULL, "
        f"synced_at = %s, updated_at = %s FROM (VALUES {', '.join(values)}) AS v(id, crm_id, url) "
        f"WHERE {table}.id = v.id AND {table}.lease = %s AND {table}.state = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [SyncState.SYNCED, now, now, *params, lease, SyncState.RUNNING])


def fail(record: SyncRecord, exc: ConnectorError) -> None:
    """Transient: back off and retry; permanent or out of attempts: dead (manual retry)."""
    now = timezone.now()
    max_attempts = conf("CALLS_MAX_ATTEMPTS", 8)
    permanent = exc.permanent and not isinstance(exc, AuthError)  # re-authorize, then it works
    # The CRM asked to wait (429, Retry-After): not the row's fault, so it never dies of it and
    # comes back exactly when the CRM said (the breaker holds the whole connector meanwhile).
    waiting = breaker.asks_to_wait(exc) and not permanent
    dead = permanent or (record.attempts >= max_attempts and not waiting)
    delay = backoff(record.attempts, exc)
    if waiting and exc.retry_after is not None:
        delay = breaker.pause_seconds(exc, 1, "wait")
    _mine(record).update(
        state=SyncState.DEAD if dead else SyncState.FAILED,
        last_error=str(exc)[:2000] or exc.__class__.__name__,
        next_attempt_at=None if dead else now + timedelta(seconds=delay),
        locked_until=None,
        lease=None,
        updated_at=now,
    )


def backoff(attempts: int, exc: ConnectorError | None = None) -> float:
    """Full jitter, never sooner than the CRM's Retry-After."""
    base, cap = conf("CALLS_RETRY_BASE_SECONDS", 5.0), conf("CALLS_RETRY_CAP_SECONDS", 3600.0)
    delay = random.uniform(0, min(cap, base * 2 ** max(0, attempts - 1)))
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


# --- built-in handlers -------------------------------------------------------------------------


def crm_object_for(kind: str) -> str:
    return {"call_log": "Task", "ticket": "Case"}.get(kind, kind)


def _dt(value):
    return datetime.fromisoformat(value) if isinstance(value, str) and value else value


def call_log_from(payload: dict) -> CallLog:
    data = dict(payload)
    data["started_at"], data["ended_at"] = _dt(data.get("started_at")), _dt(data.get("ended_at"))
    return CallLog(**data)


def call_log_payload(log_: CallLog) -> dict:
    data = asdict(log_)
    for name in ("started_at", "ended_at"):
        if data[name] is not None:
            data[name] = data[name].isoformat()
    return data


def send_call_logs(connector, records: list[SyncRecord]) -> list[WriteResult]:
    return connector.log_calls([call_log_from(r.payload) for r in records])


def send_tickets(connector, records: list[SyncRecord]) -> list[WriteResult]:
    """Tickets have no batch API: one create per row, each with its own result."""
    results = []
    for r in records:
        try:
            result = connector.create_ticket(TicketRequest(**r.payload))
            result.key = r.key
            results.append(result)
        except ConnectorError as exc:
            results.append(WriteResult(key=r.key, error=str(exc), permanent=exc.permanent))
    return results


register_handler(SyncKind.CALL_LOG, send_call_logs)
register_handler(SyncKind.TICKET, send_tickets)
