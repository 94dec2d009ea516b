"""The API-key lookup cache (tenants/keycache.py): served from the shared cache for a few
seconds, refused again as soon as a key or its tenant changes, in every process."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenants import keycache
from tenants.models import ApiKey

ROOT = Path(__file__).resolve().parents[2]
URL = "/api/v1/connectors/"


def key_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "key_hash" in q["sql"]]


def test_second_request_reads_no_key_row(api):
    with CaptureQueriesContext(connection) as first:
        assert api.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert api.get(URL).status_code == 200
    assert len(key_queries(first)) == 1 and key_queries(second) == []


def test_revoke_is_401_at_once(api, tenant):
    assert api.get(URL).status_code == 200  # cached now
    ApiKey.objects.get(tenant=tenant).revoke()
    assert api.get(URL).status_code == 401


def test_deleted_key_and_inactive_tenant_are_401_at_once(api, tenant):
    assert api.get(URL).status_code == 200
    tenant.active = False
    tenant.save()
    assert api.get(URL).status_code == 401
    tenant.active = True
    tenant.save()
    assert api.get(URL).status_code == 200
    ApiKey.objects.get(tenant=tenant).delete()
    assert api.get(URL).status_code == 401


def test_changed_tenant_settings_are_seen_at_once(api, tenant):
    assert api.get("/api/v1/settings/").json()["default_region"] == "CZ"
    tenant.default_region = "FI"
    tenant.save()
    assert api.get("/api/v1/settings/").json()["default_region"] == "FI"


def test_a_write_without_signal_is_cached_for_the_ttl_only(api, tenant, settings):
    """The cache is really used (a signal-less revoke still answers 200 at first), and
    API_KEY_CACHE_SECONDS bounds it."""
    settings.API_KEY_CACHE_SECONDS = 1.0
    assert api.get(URL).status_code == 200
    ApiKey.objects.filter(tenant=tenant).update(revoked_at=timezone.now())
    assert api.get(URL).status_code == 200  # served from the cache
    time.sleep(1.2)
    assert api.get(URL).status_code == 401


def test_off_when_seconds_is_zero(api, tenant, settings):
    settings.API_KEY_CACHE_SECONDS = 0
    assert api.get(URL).status_code == 200
    ApiKey.objects.filter(tenant=tenant).update(revoked_at=timezone.now())
    assert api.get(URL).status_code == 401


def test_last_used_at_is_written_once_a_minute(api, tenant):
    key = ApiKey.objects.get(tenant=tenant)
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(5):
            assert api.get(URL).status_code == 200
    writes = [q for q in ctx.captured_queries if "last_used_at" in q["sql"].split("SET")[-1]]
    assert len([q for q in writes if q["sql"].startswith("UPDATE")]) == 1
    key.refresh_from_db()
    assert key.last_used_at is not None
    # a minute later the next request records use again, although the row was cached
    ApiKey.objects.filter(pk=key.pk).update(
        last_used_at=timezone.now() - timezone.timedelta(minutes=2)
    )
    keycache.forget(key.key_hash)
    api.get(URL)
    api.get(URL)
    key.refresh_from_db()
    assert timezone.now() - key.last_used_at < timezone.timedelta(seconds=5)


def test_throttle_still_counts_cached_keys(api, settings):
    settings.API_THROTTLE_RATE = "3/min"
    codes = [api.get(URL).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_a_race_with_a_revoke_is_never_served(api, tenant):
    """A lookup that read the row before a revoke stamps its entry with the old version."""
    key = ApiKey.objects.get(tenant=tenant)
    version, cached = keycache.lookup(key.key_hash)
    assert cached is None
    key.revoke()  # bumps the version
    keycache.store(key.key_hash, version, ["stale"])  # the racing lookup's late write
    assert api.get(URL).status_code == 401


def test_lost_version_never_matches_old_entries(api, tenant):
    assert api.get(URL).status_code == 200
    ApiKey.objects.filter(tenant=tenant).update(revoked_at=timezone.now())
    caches["default"].delete(keycache.VERSION_KEY)  # evicted, or Redis restarted
    keycache.clear_local()  # this process's second has passed
    assert api.get(URL).status_code == 401


@pytest.fixture
def redis_cache(settings):
    url = os.environ.get("TEST_REDIS_CACHE_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError:
        pytest.skip(f"needs Redis at {url}")
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "portal.rediscache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-keycache-{uuid.uuid4().hex}",
        },
    }
    yield url, settings.CACHES["default"]["KEY_PREFIX"]
    caches["default"].clear()


BUMP = """
import django, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
django.setup()
from django.conf import settings
settings.CACHES["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                             "LOCATION": sys.argv[1], "KEY_PREFIX": sys.argv[2]}
from tenants import keycache
keycache.bump()
"""


def _revoke_in_another_process(api, tenant, redis_cache) -> None:
    """Cache the key in Redis, revoke its row (this test's database) and let another process
    bump the shared version, as ApiKey.revoke() does there."""
    url, prefix = redis_cache
    assert api.get(URL).status_code == 200
    assert api.get(URL).status_code == 200  # from Redis now
    ApiKey.objects.filter(tenant=tenant).update(revoked_at=timezone.now())
    env = {**os.environ, "DATABASE_URL": "sqlite:///:memory:"}
    subprocess.run([sys.executable, "-c", BUMP, url, prefix], cwd=ROOT, env=env, check=True)


def test_a_revoke_in_another_process_is_honoured_within_the_local_second(
    api, tenant, redis_cache, settings
):
    _revoke_in_another_process(api, tenant, redis_cache)
    bumped = time.monotonic()
    while api.get(URL).status_code == 200:  # this process's validated second
        assert time.monotonic() - bumped < settings.API_KEY_LOCAL_SECONDS + 0.2
        time.sleep(0.05)
    assert api.get(URL).status_code == 401  # not the cache's TTL (5 s)


def test_a_revoke_in_another_process_is_honoured_at_once_without_the_local_layer(
    api, tenant, redis_cache, settings
):
    settings.API_KEY_LOCAL_SECONDS = 0
    _revoke_in_another_process(api, tenant, redis_cache)
    assert api.get(URL).status_code == 401  # the very next request


def test_a_second_request_within_the_local_second_asks_no_cache(api, tenant, monkeypatch):
    assert api.get(URL).status_code == 200
    asked = []
    real = keycache._cache

    def counting():
        asked.append(1)
        return real()

    monkeypatch.setattr(keycache, "_cache", counting)
    assert api.get(URL).status_code == 200
    assert asked == []
