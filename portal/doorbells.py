"""Coalesced doorbells: the rings of many requests in one broker message.

A single call event's largest cost on the request path was its own broker publish (Celery's
message build and a Redis round trip: about 0.8 ms of web CPU, for each end event).
`ring_coalesced(task, key, ids)` instead adds `ids` to a per-process pending set once the
transaction commits; a flusher thread sends one message per (task, key) at most every
DOORBELL_COALESCE_MS, `task(key, sorted ids)`, with the ids of every request in between. Under
load that is one publish for many events; a lone event waits at most that long.

A doorbell is only a doorbell (the database is the truth): a process that dies between the
commit and the flush loses no work, the sweeper finds the events still unfolded (calls.sweep,
every few seconds), as it does when the broker is down. DOORBELL_COALESCE_MS=0, and eager
Celery (tests), publish at once from the committing thread, as `portal.celery.ring` does.

The message carries the log context its rings share (the tenant), and `request_ids`, the
requests it serves, so a worker's lines still lead back to them (portal/logcontext.py).
"""

import atexit
import contextvars
import logging
import os
import threading
import time

from django.conf import settings
from django.db import transaction

from portal import logcontext
from portal.celery import app, publish, task_named

log = logging.getLogger(__name__)

MAX_IDS = 1000  # per message (as one API request may hold): a bounded unit of work
MAX_REQUEST_IDS = 20


class _Pending:
    def __init__(self):
        self.ids: dict = {}  # id -> payload (None for a plain doorbell)
        self.contexts: list[dict] = []


class Coalescer:
    """The pending rings of this process and the thread that flushes them."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._pending: dict[tuple, _Pending] = {}
        self._pid = None
        self._thread = None

    def add(self, task, key, ids, context: dict) -> None:
        """`ids`: an iterable of ids, or a dict id -> payload (`ring_merged`)."""
        with self._lock:
            self._ensure_thread()
            entry = self._pending.setdefault((task.name, key), _Pending())
            entry.ids.update(ids if isinstance(ids, dict) else dict.fromkeys(ids))
            if len(entry.contexts) < MAX_REQUEST_IDS:
                entry.contexts.append(context)
        self._wake.set()

    def flush(self) -> int:
        """Publish everything pending now; returns the messages sent."""
        with self._lock:
            pending, self._pending = self._pending, {}
        sent = 0
        for (name, key), entry in pending.items():
            ids = sorted(entry.ids)
            payloads = any(v is not None for v in entry.ids.values())
            context = shared_context(entry.contexts)
            for start in range(0, len(ids), MAX_IDS):
                chunk = ids[start : start + MAX_IDS]
                if payloads:  # ring_merged: the task gets {id: payload}
                    chunk = {i: entry.ids[i] for i in chunk}
                contextvars.Context().run(_publish_in, context, name, key, chunk)
                sent += 1
        return sent

    def _ensure_thread(self) -> None:
        if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            return
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name="doorbells", daemon=True)
        self._thread.start()

    def after_fork(self) -> None:
        """In a forked child (gunicorn, Celery's prefork): the parent's thread does not run
        here, its lock may have been held at the fork, and its pending rings are its own."""
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._pending, self._pid, self._thread = {}, None, None

    def _run(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(self.seconds)  # let the rings of the next requests join this message
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the flusher must survive; the sweeper rings
                log.exception("doorbell flush failed; the sweeper will find the work")


def shared_context(contexts: list[dict]) -> dict:
    """What every ring's log context agrees on, plus the request ids when they differ."""
    if not contexts:
        return {}
    if len(contexts) == 1:
        return dict(contexts[0])
    shared = {k: v for k, v in contexts[0].items() if all(c.get(k) == v for c in contexts)}
    ids = list(dict.fromkeys(c["request_id"] for c in contexts if c.get("request_id")))
    shared.pop("request_id", None)
    if ids:
        shared["request_ids"] = ids[:MAX_REQUEST_IDS]
    return shared


def _publish_in(context: dict, name: str, key, ids: list) -> None:
    if app.conf.task_always_eager:  # rung before eager mode was switched on (tests): a task
        # must not run inline on this thread; the sweeper finds the work, as for a lost ring
        log.debug("eager Celery now: %s for %r left to the sweeper", name, key)
        return
    logcontext.clear()
    logcontext.bind(**context)
    publish(name, key, ids)


_coalescers: dict[float, Coalescer] = {}  # one per window (milliseconds)
_coalescer_lock = threading.Lock()


def coalescer(ms: float | None = None) -> Coalescer | None:
    """The process's coalescer for a window (default DOORBELL_COALESCE_MS), or None when rings
    are published at once."""
    if ms is None:
        ms = float(getattr(settings, "DOORBELL_COALESCE_MS", 0) or 0)
    if ms <= 0 or app.conf.task_always_eager:
        return None
    found = _coalescers.get(ms)
    if found is None:
        with _coalescer_lock:
            found = _coalescers.setdefault(ms, Coalescer(ms / 1000))
    return found


def ring_merged(task, key, items: dict, ms: float) -> bool:
    """Ring `task(key, {id: payload})` now, merged with the other rings of `task` for `key`
    within `ms` milliseconds (a later payload for an id replaces an earlier one). Outside any
    transaction's on_commit; `ms` 0 or eager Celery: published at once. False: that publish
    failed (the broker is down)."""
    task = task_named(task)
    if not items:
        return True
    batcher = coalescer(ms)
    if batcher is None:
        return publish(task.name, key, dict(items))
    batcher.add(task, key, dict(items), logcontext.context())
    return True


def ring_coalesced(task, key, ids) -> None:
    """After the current transaction commits, ring `task(key, ids)`, merged with the other
    rings of `task` for `key` in the next few milliseconds (or at once: see the module)."""
    task = task_named(task)  # an unknown name raises here, in the caller
    ids = list(ids)
    if not ids:
        return
    batcher = coalescer()
    if batcher is None:
        context = contextvars.copy_context()
        transaction.on_commit(lambda: context.run(publish, task.name, key, sorted(ids)))
        return
    bound = logcontext.context()
    transaction.on_commit(lambda: batcher.add(task, key, ids, bound))


def _after_fork_in_child() -> None:
    for each in _coalescers.values():
        each.after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


@atexit.register
def _flush_at_exit() -> None:  # a clean shutdown sends what is pending (a crash: the sweeper)
    for each in _coalescers.values():
        if each._pid == os.getpid():
            each.flush()
