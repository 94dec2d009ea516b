"""portal.rediscache: one redis-py client per pool, shared by threads, same cache semantics."""

import os
import subprocess
import sys
import threading
import uuid

import pytest
import redis

from portal.rediscache import RedisCache

URL = os.environ.get("TEST_REDIS_CACHE_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def cache():
    try:
        redis.Redis.from_url(URL).ping()
    except redis.RedisError:
        pytest.skip(f"needs Redis at {URL}")
    backend = RedisCache(URL, {"KEY_PREFIX": f"test-rediscache-{uuid.uuid4().hex}"})
    yield backend
    backend.clear()


def test_one_client_per_pool(cache):
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client() is client  # one server: reads use the write pool


def test_cache_semantics_unchanged(cache):
    assert cache.add("k", {"a": 1}, 30) is True
    assert cache.add("k", {"a": 2}, 30) is False
    assert cache.get("k") == {"a": 1}
    cache.set_many({"x": 1, "y": 2}, 30)
    assert cache.get_many(["x", "y", "z"]) == {"x": 1, "y": 2}
    assert cache.incr("x") == 2
    cache.delete("x")
    assert cache.get("x") is None


def test_shared_client_under_threads(cache):
    errors = []

    def work(n):
        try:
            for i in range(200):
                cache.set(f"t{n}-{i}", i, 30)
                assert cache.get(f"t{n}-{i}") == i
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_settings_swap_django_backend_for_a_redis_cache_url():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'; "
        "django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'])"
    )
    env = {**os.environ, "CACHE_URL": "redis://127.0.0.1:6379/15"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "portal.rediscache.RedisCache", out.stderr
