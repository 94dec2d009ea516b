"""One TTL cache for hot read paths, on Django's cache framework (CACHES / CACHE_URL).

A value (per tenant, per account, ...) is computed once and kept `seconds` long; a save that
changes it calls `forget(key)` so this process (and, with a shared cache such as Redis, every
process) sees the change at once; others see it within `seconds` at the latest. The suite runs
on the local-memory cache, cleared before every test (tests/conftest.py).

    SECRETS = TTLCache("calls:signing-secrets", seconds=5.0)
    keys = SECRETS.get(tenant.pk, lambda: load_keys(tenant))
    SECRETS.forget(tenant.pk)   # after a secret is created or retired

Values are pickled by the cache backend: keep them plain (lists, ints, strings, dataclasses).
"""

from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.cache import cache

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
        full_key = self.key(key)
        value = cache.get(full_key, _MISSING)
        if value is _MISSING:
            value = compute()
            cache.set(full_key, value, self.seconds)
        return value

    def forget(self, key) -> None:
        cache.delete(self.key(key))
