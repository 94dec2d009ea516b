"""portal.cache.TTLCache: computed once per `seconds`, forgotten on change, local or shared."""

import time

import pytest
from django.test import override_settings

from portal import cache as ttl_cache
from portal.cache import TTLCache


@pytest.fixture(params=["local", "default"])
def alias(request):
    with override_settings(TTL_CACHE_ALIAS=request.param):
        ttl_cache.clear_all()
        yield request.param
        ttl_cache.clear_all()


def _counting(value):
    calls = []

    def compute():
        calls.append(1)
        return value

    return calls, compute


def test_a_value_is_computed_once_within_its_seconds_even_an_empty_one(alias):
    cache = TTLCache(f"test-once-{alias}", seconds=30)
    calls, compute = _counting([])
    assert cache.get(1, compute) == [] and cache.get(1, compute) == []
    assert len(calls) == 1
    other_calls, other = _counting([7])
    assert cache.get(2, other) == [7] and len(other_calls) == 1  # per key


def test_forget_and_expiry_compute_again(alias):
    cache = TTLCache(f"test-forget-{alias}", seconds=0.2)
    calls, compute = _counting(["a"])
    cache.get("k", compute)
    cache.forget("k")
    cache.get("k", compute)
    assert len(calls) == 2
    time.sleep(1.1 if alias == "default" else 0.25)  # a shared cache counts whole seconds
    cache.get("k", compute)
    assert len(calls) == 3


@override_settings(TTL_CACHE_ALIAS="local")
def test_in_process_values_are_kept_as_they_are_not_pickled():
    ttl_cache.clear_all()
    cache = TTLCache("test-unpicklable", seconds=30)
    value = [lambda: 1]  # a local-memory Django cache would fail to pickle this
    assert cache.get(1, lambda: value) is value
    assert cache.get(1, lambda: None) is value
