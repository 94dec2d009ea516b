"""Request budgets on the shared cache: per API key, per client IP, per password-reset address.

DRF's SimpleRateThrottle keeps the timestamp of every request of the window in one cache value
and rewrites it on each request: at the API's budget (tens of thousands per minute per key)
that is a list of ~10^4 floats pickled per request. `hit()` counts a fixed window with one
atomic increment instead (Redis INCR in production, one round trip); a burst can reach twice
the rate across a window boundary, which is acceptable for a budget meant to stop floods, not
to meter.
"""

import functools
import math
import time

import redis
from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For behind TRUSTED_PROXY_COUNT proxies.

    DRF's own rule (NUM_PROXIES = TRUSTED_PROXY_COUNT): the address the outermost trusted proxy
    saw, counted from the right, so entries a client prepends to the header are ignored. Also
    django-axes' AXES_CLIENT_IP_CALLABLE, so the login lock-out and the API agree.
    """
    return BaseThrottle().get_ident(request) or ""


@functools.cache
def _redis():
    """A redis-py client on the cache's Redis, or None for other cache backends.

    Django's RedisCache spends three round trips on add + incr (incr checks existence
    first); counting runs on every API request, so one pipelined SET NX + INCR is used.
    """
    conf = settings.CACHES["default"]
    location = conf.get("LOCATION")
    if conf["BACKEND"].endswith(".RedisCache") and isinstance(location, str):
        return redis.Redis.from_url(location)
    return None


def _count(slot: str, ttl: int) -> int:
    client = _redis()
    if client is not None:
        pipe = client.pipeline(transaction=False)
        pipe.set(slot, 0, ex=ttl, nx=True)
        pipe.incr(slot)
        return pipe.execute()[1]
    cache.add(slot, 0, ttl)
    try:
        return cache.incr(slot)
    except ValueError:  # expired between add and incr
        cache.set(slot, 1, ttl)
        return 1


def hit(key: str, limit: int, period: int) -> float | None:
    """Count one request under `key`; None when within `limit` per `period` s, else seconds to wait."""
    now = time.time()
    window = int(now // period)
    count = _count(f"rl:{key}:{window}", period + 1)
    if count <= limit:
        return None
    return max(1.0, (window + 1) * period - now)


class WindowThrottle(SimpleRateThrottle):
    """A DRF throttle on `hit()`; the rate is read from settings per request (tests override it).

    The API's own budgets (per API key, per IP without a key) are in tenants/throttling.py,
    next to the API keys they count."""

    setting = ""

    def get_rate(self):
        return getattr(settings, self.setting) or None  # empty: no budget (benchmarks, tests)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        self.wait_seconds = hit(ident, self.num_requests, self.duration)
        return self.wait_seconds is None

    def wait(self):
        return math.ceil(self.wait_seconds) if self.wait_seconds else None


def clear_counters() -> None:
    """Forget every count (the test suite, between tests). Local memory: cache.clear() does it."""
    client = _redis()
    if client is not None:
        for key in client.scan_iter("rl:*"):
            client.delete(key)
