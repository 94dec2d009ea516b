"""A web process warms up and freezes its start-up objects when it loads (portal/wsgi.py)."""

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

from celery import signals

import portal.celery  # noqa: F401  (connects the worker's start-up signal)

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import gc, json, sys
import portal.wsgi
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "modules": [m for m in ("calls.tasks", "delivery.tasks", "contacts.tasks",
                             "kombu.transport.redis", "celery.canvas") if m in sys.modules],
}))
"""


def _probe(**env) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_wsgi_module_imports_what_first_requests_need_and_freezes():
    got = _probe()
    assert got["frozen"] > 50_000  # Django, the apps and the URL conf
    assert got["modules"] == [
        "calls.tasks",
        "delivery.tasks",
        "contacts.tasks",
        "kombu.transport.redis",
        "celery.canvas",
    ]


def test_gc_freeze_can_be_turned_off():
    assert _probe(GC_FREEZE="false")["frozen"] == 0


def test_a_celery_worker_freezes_when_it_starts():
    gc.unfreeze()
    try:
        signals.worker_process_init.send(sender=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
