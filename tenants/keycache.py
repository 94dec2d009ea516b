"""A short-lived cache of API-key lookups (key hash -> key row + tenant row) in the shared cache.

Every API request looks its key up; the row changes almost never. The converted column values
of a found key and its tenant are kept API_KEY_CACHE_SECONDS (default 5) in the `default` cache
(CACHE_URL: Redis in production, so every process shares it), stamped with a *version*: one
random token in the same cache, replaced whenever a key or a tenant is saved or deleted
(revocation, tenant deactivation, settings). A request reads the entry and the version in one
round trip (get_many) and uses the entry only while its stamp is the current version, so a
revoked key is refused by every process as soon as the revoke commits (plus the cache's round
trip), not after the TTL. The version is read *before* the database, and replaced *after* the
change commits, so a lookup that raced a revoke stamps its entry with the old version and is
never used. A lost version (eviction, a Redis restart) gets a new random token: old entries
never match it. Misses (unknown or revoked hashes) are not cached.

In front of it, each process keeps the entries it validated for API_KEY_LOCAL_SECONDS (default
1; never longer than API_KEY_CACHE_SECONDS): a request within that second costs no cache round
trip (measured: the round trip and the unpickling were an eighth of a routing request's CPU).
A change made in this process clears them at once; a revoke in another process is honoured
here within that second ("within a second or two", issue 18). 0 turns the local layer off.

Writes through `QuerySet.update()` send no signal: call `bump()` after one (tests do).
"""

import time
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import transaction

VERSION_KEY = "apikey:version"
LOCAL_MAX = 10_000  # entries per process; cleared when full (keys are few, this is a guard)
_local: dict[str, tuple[float, str, list]] = {}  # key hash -> (expires, version, values)


def _local_seconds() -> float:
    return max(0.0, min(settings.API_KEY_LOCAL_SECONDS, settings.API_KEY_CACHE_SECONDS))


def _remember(key_hash: str, version: str, values: list) -> None:
    seconds = _local_seconds()
    if seconds > 0:
        if len(_local) >= LOCAL_MAX:
            _local.clear()
        _local[key_hash] = (time.monotonic() + seconds, version, values)


def clear_local() -> None:
    """Forget this process's validated entries (a change here; tests: "a second passed")."""
    _local.clear()


def _cache():
    return caches["default"]


def _entry_key(key_hash: str) -> str:
    return f"apikey:row:{key_hash}"


def current_version(cache=None) -> str:
    cache = cache or _cache()
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    return version


def lookup(key_hash: str) -> tuple[str, list | None]:
    """(version, cached values or None): this process's entry validated within the last
    second, else one round trip when the version exists."""
    hit = _local.get(key_hash)
    if hit is not None and hit[0] > time.monotonic() and _local_seconds() > 0:
        return hit[1], hit[2]
    cache = _cache()
    entry_key = _entry_key(key_hash)
    got = cache.get_many([VERSION_KEY, entry_key])
    version = got.get(VERSION_KEY) or current_version(cache)
    entry = got.get(entry_key)
    if entry is not None and entry[0] == version:
        _remember(key_hash, version, entry[1])
        return version, entry[1]
    return version, None


def store(key_hash: str, version: str, values: list) -> None:
    seconds = settings.API_KEY_CACHE_SECONDS
    if seconds > 0:
        _cache().set(_entry_key(key_hash), (version, values), seconds)
        if _local_seconds() > 0 and _cache().get(VERSION_KEY) == version:
            _remember(key_hash, version, values)  # not a lookup that raced a change


def forget(key_hash: str) -> None:
    _local.pop(key_hash, None)
    _cache().delete(_entry_key(key_hash))


def bump() -> None:
    """Invalidate every cached lookup: now, and again once the surrounding transaction commits
    (a lookup between the two read the old row and stamped the first new version)."""
    _replace_version()
    transaction.on_commit(_replace_version)


def _replace_version() -> None:
    _local.clear()
    _cache().set(VERSION_KEY, uuid.uuid4().hex, None)


def on_change(sender, **kwargs) -> None:
    """post_save / post_delete of ApiKey and Tenant (tenants/apps.py)."""
    if kwargs.get("update_fields") == frozenset({"last_used_at"}):
        return
    bump()
