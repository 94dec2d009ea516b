"""A real `celery worker` killed with SIGKILL in the middle of a CRM batch: no loss, no duplicate.

The worker claims the batch and sends it to the Salesforce simulator, which is slow (latency);
the worker's whole process group is SIGKILLed while the request is in flight. The simulator
still writes the Tasks (the CRM did its part), but nobody marks the outbox rows. When their
lease expires, the sweeper re-kicks delivery, a fresh worker re-sends the batch and the upsert
by key finds the same Tasks: every call synced, one Task each.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from calls import tasks
from calls.ingest import store_events
from calls.validation import validate_events
from delivery.models import SyncRecord
from portal.celery import app
from simulators.salesforce import SalesforceSimulator
from tests.calls.conftest import event
from tests.factories import make_connector

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.skipif(
        not os.environ.get("CELERY_BROKER_URL", "").startswith(("redis", "amqp")),
        reason="needs CELERY_BROKER_URL=redis://... or amqp://... for a real worker",
    ),
]


def start_worker():
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "FIELD_ENCRYPTION_KEYS": settings.FIELD_ENCRYPTION_KEYS[0],
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LOG_LEVEL": "WARNING",
    }
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "portal",
        "worker",
        "-c",
        "1",
        "-l",
        "warning",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"kill{time.time()}@%h",
    ]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)


def wait_for(predicate, timeout=40.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_batch_loses_nothing_and_duplicates_nothing(tenant):

    sim = SalesforceSimulator(contacts=0).start()
    workers = []
    try:
        s, c = sim.account_settings()
        account = make_connector(tenant, "salesforce", "SF", s, c)
        account.connector.authorize()
        app.control.purge()
        app.conf.task_always_eager = False  # the worker subprocess does the work
        sim.latency = 3.0
        workers.append(start_worker())
        events = [
            event(f"K{i}", "ended", f"2026-11-20T10:0{i}:00+01:00", caller=f"+42060100000{i}")
            for i in range(3)
        ]
        store_events(tenant, validate_events(events))

        def in_flight():
            return any("/composite/sobjects/Task" in p for _m, p in sim.requests)

        assert wait_for(in_flight), "the worker never sent the batch"
        assert set(SyncRecord.objects.unscoped().values_list("state", flat=True)) == {"running"}
        os.killpg(workers[0].pid, signal.SIGKILL)  # worker and its pool child die at once
        workers[0].wait(timeout=10)
        assert wait_for(lambda: len(sim.tasks) == 3, 10), "the CRM should still have written"
        assert set(SyncRecord.objects.unscoped().values_list("state", flat=True)) == {"running"}

        sim.latency = 0
        SyncRecord.objects.unscoped().update(
            locked_until=timezone.now() - timedelta(seconds=1)
        )  # lease over
        workers.append(start_worker())
        tasks.sweep.delay()  # what beat does every few seconds
        assert wait_for(
            lambda: set(SyncRecord.objects.unscoped().values_list("state", flat=True)) == {"synced"}
        ), list(SyncRecord.objects.values_list("state", "last_error"))
        assert len(sim.tasks) == 3  # upsert by key: no second Task
        composite = [p for m, p in sim.requests if "/composite/sobjects/Task" in p]
        assert len(composite) >= 2
    finally:
        app.conf.task_always_eager = True
        for w in workers:
            if w.poll() is None:
                os.killpg(w.pid, signal.SIGKILL)
                w.wait(timeout=10)
        app.control.purge()
        sim.stop()
