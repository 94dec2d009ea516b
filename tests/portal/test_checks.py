"""portal.W001: a per-process cache breaks the doorbells' dedupe across worker processes."""

from django.core import checks
from django.test import override_settings

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/1",
    }
}
FILES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": "/tmp/ccportal-check-cache",
    }
}


def ids():
    return [m.id for m in checks.run_checks(tags=[checks.Tags.caches])]


def test_local_memory_in_production_is_a_warning():
    with override_settings(DEBUG=False, CACHES=LOCMEM):
        assert "portal.W001" in ids()


def test_a_shared_cache_or_debug_is_fine():
    for caches, debug in ((REDIS, False), (FILES, False), (LOCMEM, True)):
        with override_settings(DEBUG=debug, CACHES=caches):
            assert "portal.W001" not in ids()
