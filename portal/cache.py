"""One TTL cache for hot read paths, on Django's cache framework (the TTL_CACHE_ALIAS cache).

A value (per tenant, per account, ...) is computed once and kept `seconds` long; a save that
changes it calls `forget(key)` so this process sees the change at once; others see it within
`seconds` at the latest. The alias is "local" by default, a local-memory cache per process: these
paths (signing secrets and call-event connectors on every ingest request, routing rules on every
lookup) are read far more often than they change, and a Redis round trip each would cost more
than the few seconds of staleness it saves. TTL_CACHE_ALIAS=default shares them (and `forget`)
through CACHE_URL instead. The suite clears every cache before each test (tests/conftest.py).

    SECRETS = TTLCache("calls:signing-secrets", seconds=5.0)
    keys = SECRETS.get(tenant.pk, lambda: load_keys(tenant))
    SECRETS.forget(tenant.pk)   # after a secret is created or retired

Values are pickled by the cache backend: keep them plain (lists, ints, strings, dataclasses).
"""

from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings
from django.core.cache import caches

T = TypeVar("T")
_MISSING = object()


class TTLCache(Generic[T]):
    def __init__(self, name: str, *, seconds: float):
        self.name = name
        self.seconds = seconds

    def key(self, key) -> str:
        return f"ttl:{self.name}:{key}"

    def get(self, key, compute: Callable[[], T]) -> T:
        """The cached value of `key`, else compute() (an empty result is cached too)."""
        cache = caches[settings.TTL_CACHE_ALIAS]
        full_key = self.key(key)
        value = cache.get(full_key, _MISSING)
        if value is _MISSING:
            value = compute()
            cache.set(full_key, value, self.seconds)
        return value

    def forget(self, key) -> None:
        caches[settings.TTL_CACHE_ALIAS].delete(self.key(key))


def clear_all() -> None:
    """Drop every TTL entry of this process (tests)."""
    caches[settings.TTL_CACHE_ALIAS].clear()
