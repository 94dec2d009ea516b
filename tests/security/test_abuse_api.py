"""API budgets: per key (API_THROTTLE_RATE), per IP without a key; 429 in the error format."""

import os
import uuid

import pytest
import redis
from django.test import RequestFactory

from portal import throttling
from portal.throttling import client_ip
from tenants.throttling import ApiKeyRateThrottle
from tests.conftest import api_client_for


def test_key_over_its_budget_gets_429_with_retry_after(api, tenant, settings):
    settings.API_THROTTLE_RATE = "3/min"
    for _ in range(3):
        assert api.get("/api/v1/connectors/").status_code == 200
    response = api.get("/api/v1/connectors/")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["error"]["code"] == "throttled"
    assert body["error"]["message"] and body["error"]["fields"] == {}
    # The identity is the key: another key of the same tenant, same IP, is not throttled.
    other = api_client_for(tenant)
    assert other.get("/api/v1/connectors/").status_code == 200


def test_post_endpoints_are_throttled_too(api, settings):
    settings.API_THROTTLE_RATE = "1/min"
    api.post("/api/v1/call-events/", [], format="json")
    response = api.post("/api/v1/call-events/", [], format="json")
    assert response.status_code == 429 and response.json()["error"]["code"] == "throttled"


def test_forwarded_for_does_not_change_the_key_budget(api, settings):
    settings.API_THROTTLE_RATE = "2/min"
    for i in range(2):
        api.get("/api/v1/connectors/", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    assert api.get("/api/v1/connectors/", REMOTE_ADDR="198.51.100.3").status_code == 429


def test_unauthenticated_endpoints_are_throttled_per_ip(client, db, settings):
    settings.API_ANON_THROTTLE_RATE = "2/min"
    for _ in range(2):
        assert client.get("/api/schema/", REMOTE_ADDR="203.0.113.1").status_code == 200
    response = client.get("/api/schema/", REMOTE_ADDR="203.0.113.1")
    # The schema view renders its errors as OpenAPI YAML; the error body is the same.
    assert response.status_code == 429 and b"code: throttled" in response.content
    assert "Retry-After" in response
    assert client.get("/api/schema/", REMOTE_ADDR="203.0.113.2").status_code == 200


def test_default_budget_is_generous():
    throttle = ApiKeyRateThrottle()
    assert throttle.num_requests / throttle.duration >= 600  # the ingest benchmark's req/s


@pytest.mark.parametrize(
    ("proxies", "xff", "expected"),
    [
        (0, "10.0.0.1", "203.0.113.9"),  # no trusted proxy: the header is ignored
        (1, "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # a forged left entry is ignored
        (2, "1.2.3.4, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
    ],
)
def test_client_ip_trusts_only_configured_proxies(settings, proxies, xff, expected):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=xff)
    assert client_ip(request) == expected


@pytest.fixture
def real_redis(monkeypatch):
    """The counters on a real Redis (as with CACHE_URL=redis://...), not local memory."""
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        pytest.skip("needs Redis (CELERY_BROKER_URL=redis://...)")
    client = redis.Redis.from_url(url)
    monkeypatch.setattr(throttling, "_redis", lambda: client)
    yield client
    throttling.clear_counters()


def test_counts_on_redis_with_an_expiry(real_redis):
    key = f"test-redis:{uuid.uuid4().hex}"
    assert [throttling.hit(key, 3, 60) for _ in range(3)] == [None, None, None]
    wait = throttling.hit(key, 3, 60)
    assert wait is not None and 1 <= wait <= 60
    (slot,) = list(real_redis.scan_iter(f"rl:{key}:*"))
    assert int(real_redis.get(slot)) == 4 and 0 < real_redis.ttl(slot) <= 61


def test_api_budget_on_redis(api, settings, real_redis):
    settings.API_THROTTLE_RATE = "2/min"
    codes = [api.get("/api/v1/connectors/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
