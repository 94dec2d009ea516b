"""Request budgets on the shared cache: per API key, per client IP, per password-reset address.

DRF's SimpleRateThrottle keeps the timestamp of every request of the window in one cache value
and rewrites it on each request: at the API's budget (tens of thousands per minute per key)
that is a list of ~10^4 floats pickled per request. `hit()` counts a fixed window with one
atomic increment instead (Redis INCR in production, one round trip); a burst can reach twice
the rate across a window boundary, which is acceptable for a budget meant to stop floods, not
to meter.

Each process also adds up its own hits of a window and sends them as one INCRBY every
FLUSH_SECONDS or FLUSH_HITS (a round trip per API request was a tenth of a routing request's
CPU): a decision uses the last shared count plus this process's unsent hits. A budget is
enforced exactly while it is small or half used (every hit is sent then); far from the limit the
shared count lags by at most FLUSH_HITS per process.
"""

import functools
import math
import threading
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


def _count(slot: str, ttl: int, n: int = 1) -> int:
    client = _redis()
    if client is not None:
        pipe = client.pipeline(transaction=False)
        pipe.set(slot, 0, ex=ttl, nx=True)
        pipe.incrby(slot, n)
        return pipe.execute()[1]
    cache.add(slot, 0, ttl)
    try:
        return cache.incr(slot, n)
    except ValueError:  # expired between add and incr
        cache.set(slot, n, ttl)
        return n


# A second, not less: with many keys each process sees only a few hits of a key per flush
# interval (routing at 200/s over 10 keys and 3 workers: 0.2 s sent ~1.3 hits a round trip).
FLUSH_SECONDS = 1.0
FLUSH_HITS = 20
_MAX_SLOTS = 10_000  # windows of keys this process counts; old windows are dropped beyond it
_lock = threading.Lock()
_slots: dict[str, list] = {}  # slot -> [unsent hits, last shared count, monotonic time sent]


def hit(key: str, limit: int, period: int) -> float | None:
    """Count one request under `key`; None when within `limit` per `period` s, else seconds to wait."""
    now = time.time()
    window = int(now // period)
    slot = f"rl:{key}:{window}"
    tick = time.monotonic()
    with _lock:
        state = _slots.get(slot)
        if state is None:
            if len(_slots) >= _MAX_SLOTS:
                _slots.clear()
            state = _slots[slot] = [0, 0, 0.0]
        state[0] += 1
        count = state[1] + state[0]
        send = 0
        if count * 2 >= limit or state[0] >= FLUSH_HITS or tick - state[2] >= FLUSH_SECONDS:
            send, state[0], state[2] = state[0], 0, tick
    if send:
        shared = _count(slot, period + 1, send)
        with _lock:
            state[1] = max(state[1], shared)
            count = state[1] + state[0]
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
    with _lock:
        _slots.clear()
    client = _redis()
    if client is not None:
        for key in client.scan_iter("rl:*"):
            client.delete(key)
