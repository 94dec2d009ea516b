"""The live half of the caller lookup: ask the CRMs themselves for a number the store lacks.

`search(asks, ...)` runs `find_contacts_by_phone` for several connectors at once on a bounded
per-process thread pool (LIVE_LOOKUP_THREADS, default 8; 0 runs them inline, the default on
SQLite, whose single file a second writer would lock). Each runs inside `http.deadline()` (its
policy's live_lookup_timeout_ms, capped by the caller's timeout) in a copy of the caller's
context, so no request, retry or backoff outlives it; the caller waits no longer either. A pool
with no free thread is not queued on: that connector is simply not asked (a miss).

Two guards on the shared cache (CACHE_URL) keep a number from hammering a CRM:
* the negative cache: a number the CRM answered "nobody" for is not asked again for
  policy.negative_cache_seconds (`forget_unknown` after creating a record for it);
* single flight: concurrent lookups of one number in one CRM make one request (`cache.add` as a
  short lock); the others wait for it (up to their own deadline) and then read the store.
CRM failures are logged (the connector and the error's status line; never the number, never a
credential) and count as a miss: a lookup never raises because of a CRM.
"""

import contextvars
import logging
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections

from connectors.breaker import Breaker
from connectors.capabilities import Capability
from connectors.errors import ConnectorError
from connectors.models import ConnectorStatus
from connectors.types import CrmContact
from contacts import found
from portal import http

log = logging.getLogger(__name__)

POLL_SECONDS = 0.02  # how often a single-flight loser looks whether the winner is done

_pool: ThreadPoolExecutor | None = None
_slots: threading.BoundedSemaphore | None = None
_pool_lock = threading.Lock()


def thread_count() -> int:
    configured = getattr(settings, "LIVE_LOOKUP_THREADS", None)
    if configured is None:
        return 0 if connection.vendor == "sqlite" else 8
    return max(0, int(configured))


def _executor() -> tuple[ThreadPoolExecutor, threading.BoundedSemaphore]:
    global _pool, _slots
    with _pool_lock:
        if _pool is None:
            n = thread_count() or 1
            _pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="live-lookup")
            _slots = threading.BoundedSemaphore(n)
        return _pool, _slots


def eligible(account, policy, now) -> bool:
    """May this connector be asked live? Policy on, CRM can search contacts, authorized, and
    its delivery breaker not open (a CRM that rate-limits our writes is not asked either)."""
    return bool(
        policy.live_lookup
        and account.status == ConnectorStatus.AUTHORIZED
        and account.provider.can(Capability.CONTACTS)
        and not Breaker.of(account).paused(now)
    )


def _key(kind: str, connector_id: int, number: str) -> str:
    return f"contacts:lookup:{kind}:{connector_id}:{number}"


def is_known_unknown(connector_id: int, number: str) -> bool:
    return bool(cache.get(_key("unknown", connector_id, number)))


def found_key(ask) -> str:
    return found.key(ask.account.pk, ask.number)


def remember_unknown(connector_id: int, number: str, seconds: int) -> None:
    if seconds > 0:
        cache.set(_key("unknown", connector_id, number), 1, seconds)


def known_unknowns(connector_id: int, numbers) -> set[str]:
    """The numbers the negative cache holds for the connector, in one cache round trip."""
    keys = {_key("unknown", connector_id, n): n for n in numbers}
    return {keys[k] for k, v in cache.get_many(list(keys)).items() if v} if keys else set()


def remember_unknowns(connector_id: int, numbers: list[str], seconds: int) -> None:
    if seconds > 0 and numbers:
        cache.set_many({_key("unknown", connector_id, n): 1 for n in numbers}, seconds)


def forget_unknown(connector_id: int, number: str) -> None:
    """A record now exists for the number (created for an unknown caller): ask again."""
    cache.delete(_key("unknown", connector_id, number))


@dataclass
class Ask:
    """One connector's live search for one number (`number`: the cache key, E.164 or digits)."""

    account: object
    policy: object
    number: str
    phone: str  # what is sent to the CRM
    types: tuple[str, ...]
    seconds: float
    records: list[CrmContact] | None = None  # None: not answered (error, timeout, skipped)
    waited: bool = False  # another lookup was asking: read the store after it
    pending: bool = False  # records found by an earlier search, not stored yet (found.py)
    locked: bool = False
    error: Exception | None = None  # why the CRM did not answer (records None)
    future: object = field(default=None, repr=False)


def search(asks: list[Ask], *, fresh: bool = False, inline: bool | None = None) -> None:
    """Ask each connector (in parallel, each within its seconds); fills ask.records / waited.
    The caller stores what was found, then calls `release(asks)`, then `wait_for_others`.
    `inline`: ask in this thread, one connector after the other (default: when no pool)."""
    inline = thread_count() == 0 if inline is None else inline
    for ask in asks:
        if not fresh:
            unknown, pending = _key("unknown", ask.account.pk, ask.number), found_key(ask)
            cached = cache.get_many([unknown, pending])
            if cached.get(unknown):
                ask.records = []
                continue
            if cached.get(pending):  # found a moment ago, a worker is storing it: no request
                ask.records, ask.pending = cached[pending], True
                continue
        ttl = math.ceil(ask.seconds) + 1
        if not cache.add(_key("asking", ask.account.pk, ask.number), 1, ttl):
            ask.waited = True
            continue
        ask.locked = True
        if inline:
            ask.records = _run(ask)
            continue
        # What a connector reads of its account (the tenant's region and zone) is loaded
        # here: a pool thread has its own database connection, which a search must not need
        # (it would not see what the caller's transaction has not committed).
        _ = ask.account.tenant
        pool, slots = _executor()
        if not slots.acquire(blocking=False):  # saturated: skip, never queue behind others
            log.info("live lookup pool busy: connector %s not asked", ask.account.pk)
            continue
        with http.deadline(ask.seconds):
            context = contextvars.copy_context()  # the deadline (and no_inline_waits) apply
        ask.future = pool.submit(context.run, _in_thread, ask, slots)
    running = [a for a in asks if a.future is not None]
    if running:
        wait_for([a.future for a in running], timeout=max(a.seconds for a in running))
    for ask in running:
        if ask.future.done():
            ask.records = ask.future.result()  # _in_thread never raises
    for ask in asks:
        if ask.records == [] and ask.locked:
            remember_unknown(ask.account.pk, ask.number, ask.policy.negative_cache_seconds)


def raise_unanswered(asks: list[Ask]) -> None:
    """For callers that must not take "no answer" for "unknown" (delivery): the first CRM
    error (a transient ConnectorError for a timeout or a lookup another worker is making)."""
    for ask in asks:
        if ask.records is not None or ask.waited:  # waited: see wait_for_others
            continue
        if isinstance(ask.error, ConnectorError):
            raise ask.error
        raise ConnectorError(f"live lookup in connector {ask.account.pk}: no answer in time")


def release(asks: list[Ask]) -> None:
    for ask in asks:
        if ask.locked:
            cache.delete(_key("asking", ask.account.pk, ask.number))
            ask.locked = False


def wait_for_others(asks: list[Ask]) -> list[Ask]:
    """Wait (each within its seconds) until the lookups asking for these numbers are done;
    returns the asks whose winner finished, for the caller to read the store again."""
    started = time.monotonic()
    pending = [a for a in asks if a.waited]
    done = []
    while pending:
        for ask in list(pending):
            if not cache.get(_key("asking", ask.account.pk, ask.number)):
                done.append(ask)
                pending.remove(ask)
            elif time.monotonic() - started >= ask.seconds:
                pending.remove(ask)  # the winner is still asking: a miss for us
        if pending:
            time.sleep(POLL_SECONDS)
    return done


def _in_thread(ask: Ask, slots) -> list[CrmContact] | None:
    try:
        return _run(ask)
    finally:
        slots.release()
        # This pool thread's own connections (a token refresh, Salesforce's usage note) are
        # kept as a request thread keeps them (CONN_MAX_AGE): a new PostgreSQL connection per
        # search cost more CPU than the search. Closed when broken or older than the setting
        # (at once with CONN_MAX_AGE 0, the default).
        for conn in connections.all(initialized_only=True):
            conn.close_if_unusable_or_obsolete()


def _run(ask: Ask) -> list[CrmContact] | None:
    try:
        with http.deadline(ask.seconds):
            found = ask.account.connector.find_contacts_by_phone(ask.phone, record_types=ask.types)
    except Exception as exc:  # noqa: BLE001 - a CRM failure must never fail the lookup
        ask.error = exc
        log.warning(
            "live lookup in connector %s failed: %s: %s",
            ask.account.pk,
            exc.__class__.__name__,
            str(exc)[:200],
        )
        return None
    return [r for r in found or [] if (r.type or "contact") in ask.types]
