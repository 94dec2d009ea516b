"""One TTL cache for hot read paths: per process by default, or on a shared Django cache.

A value (per tenant, per account, ...) is computed once and kept `seconds` long; a save that
changes it calls `forget(key)` so this process sees the change at once; others see it within
`seconds` at the latest. TTL_CACHE_ALIAS names the cache: "local" (the default, a local-memory
cache) keeps the entries in this process's memory with no round trip, as these paths (signing
secrets and call-event connectors on every ingest request, routing rules on every lookup) are
read far more often than they change. TTL_CACHE_ALIAS=default shares them (and `forget`)
through CACHE_URL instead. The suite clears every cache before each test (tests/conftest.py).

    SECRETS = TTLCache("calls:signing-secrets", seconds=5.0)
    keys = SECRETS.get(tenant.pk, lambda: load_keys(tenant))
    SECRETS.forget(tenant.pk)   # after a secret is created or retired

In this process's memory a value is shared, not copied: callers read it and never change it.
On a shared cache values are pickled: keep them plain (lists, ints, strings, dataclasses).

The local store is a dict of (expiry, value) rather than Django's LocMemCache: that one pickles
on every set and get, validates every key character by character and takes a lock; three to
four lookups an ingest request cost about 4% of its CPU (py-spy, bench/ingest.py).
"""

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings
from django.core.cache import caches

T = TypeVar("T")
_MISSING = object()
_MAX_ENTRIES = 10_000  # as LocMemCache's default MAX_ENTRIES: beyond it, start again

_local: dict[str, tuple[float, object]] = {}
_local_lock = threading.Lock()


def _in_process() -> bool:
    alias = settings.TTL_CACHE_ALIAS
    return settings.CACHES[alias]["BACKEND"].endswith(".LocMemCache")


class TTLCache(Generic[T]):
    def __init__(self, name: str, *, seconds: float):
        self.name = name
        self.seconds = seconds

    def key(self, key) -> str:
        return f"ttl:{self.name}:{key}"

    def get(self, key, compute: Callable[[], T]) -> T:
        """The cached value of `key`, else compute() (an empty result is cached too)."""
        full_key = self.key(key)
        if _in_process():
            entry = _local.get(full_key)
            if entry is not None and entry[0] > time.monotonic():
                return entry[1]
            value = compute()
            with _local_lock:
                if len(_local) >= _MAX_ENTRIES:
                    _local.clear()
                _local[full_key] = (time.monotonic() + self.seconds, value)
            return value
        cache = caches[settings.TTL_CACHE_ALIAS]
        value = cache.get(full_key, _MISSING)
        if value is _MISSING:
            value = compute()
            cache.set(full_key, value, self.seconds)
        return value

    def forget(self, key) -> None:
        full_key = self.key(key)
        with _local_lock:
            _local.pop(full_key, None)
        if not _in_process():
            caches[settings.TTL_CACHE_ALIAS].delete(full_key)


def clear_all() -> None:
    """Drop every TTL entry of this process (tests)."""
    with _local_lock:
        _local.clear()
    caches[settings.TTL_CACHE_ALIAS].clear()
