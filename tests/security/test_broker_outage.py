"""Issue 11, point 5: a broker that refuses connections never turns stored work into a 5xx.

Celery is NOT eager here and its broker is a closed port (redis://127.0.0.1:1/0): every doorbell
(portal.celery.ring) fails to publish. Each endpoint must still answer its 2xx quickly with its
rows stored; once a broker works (eager here), the sweepers find the rows and finish the work.
"""

import logging
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from automations.models import CallbackProfile, CallbackRequest, CallbackState
from automations.tasks import sweep_callbacks
from calls import tasks as call_tasks
from calls.models import Call, CallEvent
from delivery.models import SyncRecord, SyncState
from jobs.models import Job, JobStatus
from jobs.sweeper import sweep_stale_jobs
from platforms.models import ContactCenterAccount
from portal import celery as portal_celery
from portal.celery import app
from tests.calls import conftest as calls_fixtures
from tests.calls.conftest import call_events, event
from tests.factories import make_connector

fake_crm, fake_connector = calls_fixtures.fake_crm, calls_fixtures.fake_connector
DEAD_BROKER = "redis://127.0.0.1:1/0"
BOUND = 2.0  # seconds: one refused connect, no publish backoff


def _reset_producers():
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(settings, caplog):
    """Real publishing (not eager) to a broker that refuses connections."""
    caplog.set_level(logging.DEBUG, logger="portal.celery")
    previous = app.conf.get("broker_write_url")
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.broker_write_url = (
        DEAD_BROKER  # (CELERY_BROKER_URL in the environment wins over broker_url)
    )
    _reset_producers()
    portal_celery.reset_doorbell()
    with app.producer_or_acquire() as producer:
        assert producer.connection.as_uri().endswith("@127.0.0.1:1/0")
    yield
    lost = [r for r in caplog.get_records("call") if "left to the sweeper" in r.getMessage()]
    assert lost  # the doorbells really were lost
    app.conf.broker_write_url = previous
    _reset_producers()
    portal_celery.reset_doorbell()
    app.conf.task_always_eager = True  # "a broker works" again for the sweepers


def _timed(fn, *args, **kwargs):
    start = time.monotonic()
    response = fn(*args, **kwargs)
    took = time.monotonic() - start
    print(f"{args[0]}: {response.status_code} in {took:.3f} s")
    return response, took


def _broker_back(settings):
    app.conf.task_always_eager = True
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_publish_to_a_dead_broker_fails_fast_and_then_skips(broker_down, caplog):
    start = time.monotonic()
    assert portal_celery.publish(call_tasks.fold_calls, 1, ["x"]) is False
    first = time.monotonic() - start
    start = time.monotonic()
    assert portal_celery.publish(call_tasks.fold_calls, 1, ["y"]) is False
    assert first < BOUND and time.monotonic() - start < 0.05  # cooling down: no connect at all
    assert "broker unreachable" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_call_events_and_batches_are_202_and_folded_by_the_sweeper(
    broker_down, api, tenant, fake_connector, settings
):
    response, took = _timed(api.post, "/api/v1/call-events/", event("B1", "ended"), format="json")
    assert response.status_code == 202, response.content
    assert took < BOUND
    batch = [  # 900 events, 300 distinct calls
        e
        for i in range(300)
        for e in call_events(f"B-{i}", start=f"2026-11-20T1{i // 60}:{i % 60:02d}:00+01:00")
    ]
    portal_celery.reset_doorbell()  # a fresh connect attempt for the batch too
    response, took = _timed(api.post, "/api/v1/call-events/", batch, format="json")
    assert response.status_code == 202 and response.json()["accepted"] == 900
    assert took < BOUND + 3  # storing 900 events included
    assert CallEvent.objects.filter(tenant=tenant).count() == 901
    assert not Call.objects.filter(tenant=tenant).exists()  # nothing folded: doorbells lost
    _broker_back(settings)
    CallEvent.objects.unscoped().update(
        received_at=timezone.now() - timedelta(seconds=2)
    )  # beat: every 5 s
    call_tasks.sweep()  # beat's calls.sweep: folds, decides, delivers
    assert Call.objects.filter(tenant=tenant, ended=True).count() == 301
    records = SyncRecord.objects.filter(tenant=tenant)
    assert records.count() == 301  # every call decided (synced, or skipped as a duplicate)
    assert not records.filter(state=SyncState.PENDING).exists()
    assert records.filter(state=SyncState.SYNCED).count() >= 150


@pytest.mark.django_db(transaction=True)
def test_retry_is_202_and_the_sweeper_delivers(broker_down, api, tenant, fake_connector, settings):
    _broker_back(settings)
    api.post("/api/v1/call-events/", call_events("R1"), format="json")
    record = SyncRecord.objects.get(tenant=tenant, call__call_id="R1")
    record.state, record.attempts = SyncState.DEAD, 8
    record.save()
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER = False
    response, took = _timed(api.post, f"/api/v1/calls/{record.call_id}/retry/")
    assert response.status_code == 202 and response.json()["requeued"] == 1
    assert took < BOUND
    record.refresh_from_db()
    assert record.state == SyncState.PENDING
    _broker_back(settings)
    call_tasks.sweep()
    record.refresh_from_db()
    assert record.state == SyncState.SYNCED


@pytest.mark.django_db(transaction=True)
def test_contact_sync_and_push_start_are_202_and_swept(broker_down, api, tenant, settings):
    account = make_connector(tenant, settings={"instance_url": "http://127.0.0.1:9"})
    response, took = _timed(api.post, f"/api/v1/connectors/{account.pk}/sync-contacts/")
    assert response.status_code == 202, response.content
    assert took < BOUND
    job = Job.objects.unscoped().get(pk=response.json()["job"])
    assert job.status == JobStatus.QUEUED
    ContactCenterAccount.objects.create(
        tenant=tenant, name="Daktela", url="http://127.0.0.1:9", credentials={"access_token": "t"}
    )
    response, took = _timed(api.post, "/api/v1/contact-center/push/")
    assert response.status_code == 202, response.content
    assert took < BOUND
    push = Job.objects.unscoped().get(pk=response.json()["job"])
    _broker_back(settings)
    later = timezone.now() + timedelta(minutes=6)  # past LOST_DOORBELL_AFTER
    assert sweep_stale_jobs(now=later)["rung"] == 2
    for queued in (job, push):
        queued.refresh_from_db()
        assert queued.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)  # the task ran


@pytest.mark.django_db(transaction=True)
def test_callback_requests_are_202_and_swept(broker_down, api, tenant, fake_connector, settings):
    CallbackProfile.objects.create(
        tenant=tenant, connector=fake_connector, name="CB", callback_list="cb"
    )
    body = {
        "request_id": "cb-1",
        "callback_list": "cb",
        "phone": "+420773794804",
        "requested_at": timezone.now().isoformat(),
    }
    response, took = _timed(api.post, "/api/v1/callback-requests/", body, format="json")
    assert response.status_code == 202 and response.json()["accepted"] == 1
    assert took < BOUND
    request = CallbackRequest.objects.get(tenant=tenant, request_id="cb-1")
    assert request.state == CallbackState.RECEIVED
    _broker_back(settings)
    assert sweep_callbacks(older_than_seconds=0) == 1
    request.refresh_from_db()
    assert request.state != CallbackState.RECEIVED
