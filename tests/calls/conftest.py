import itertools

import pytest

from calls import tasks
from calls.models import CallEvent
from connectors import registry
from connectors.models import ConnectorStatus
from portal import cache as ttl_cache
from tests.calls.fakes import FakeConnector, FakeCRM
from tests.calls.fakes_interactions import ix_connector, ix_crm  # noqa: F401 (fixtures)
from tests.factories import make_connector

_ids = itertools.count(1)


@pytest.fixture
def fake_crm(monkeypatch):
    monkeypatch.setitem(registry.PROVIDERS, "fake", ("Fake CRM", "tests.calls.fakes.PROVIDER"))
    registry.provider.cache_clear()
    crm = FakeCRM()
    monkeypatch.setattr(FakeConnector, "crm", crm)
    yield crm
    registry.provider.cache_clear()


@pytest.fixture
def fake_connector(tenant, fake_crm):
    return make_connector(
        tenant,
        kind="fake",
        name="Fake",
        settings={},
        credentials={},
        status=ConnectorStatus.AUTHORIZED,
    )


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (Celery is eager): ingest -> fold -> decide -> deliver."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def event(call_id="1WS.1", type="ended", at="2026-11-20T10:00:00+01:00", **extra):
    n = next(_ids)
    data = {
        "event_id": extra.pop("event_id", f"evt-{n}"),
        "call_id": call_id,
        "activity_id": extra.pop("activity_id", f"{call_id}-a1"),
        "type": type,
        "direction": "in",
        "caller": "+420773794804",
        "callee": "+420226211245",
        "queue": "Support",
        "agent_id": "jdoe",
        "agent_email": "j.doe@acme.com",
        "occurred_at": at,
        "privacy": "work",
    }
    if type in ("ended", "missed"):
        data.setdefault("status", "answered" if type == "ended" else "missed")
        data.setdefault("duration_seconds", 95 if type == "ended" else 0)
    data.update(extra)
    return data


def call_events(call_id="1WS.1", start="2026-11-20T10:00:00+01:00", duration=95, **extra):
    """ringing, answered, ended of one simple call."""
    from datetime import datetime, timedelta

    t0 = datetime.fromisoformat(start)
    return [
        event(call_id, "ringing", t0.isoformat(), **extra),
        event(call_id, "answered", (t0 + timedelta(seconds=5)).isoformat(), **extra),
        event(
            call_id,
            "ended",
            (t0 + timedelta(seconds=5 + duration)).isoformat(),
            duration_seconds=duration,
            **extra,
        ),
    ]


@pytest.fixture(autouse=True)
def _clear_caches():

    ttl_cache.clear_all()  # the TTL caches (portal.cache): signing secrets, call-event connectors
    yield


def sweep_now(run_on_commit):
    from datetime import timedelta

    from django.utils import timezone

    CallEvent.objects.unscoped().update(received_at=timezone.now() - timedelta(seconds=5))
    run_on_commit(tasks.sweep)
