"""The Celery app, and `ring()`: the best-effort doorbell every web request uses.

Domain code rings a task by its NAME (`ring("calls.deliver", connector_id, kind)`) and never
imports its own app's `tasks.py`; the tasks modules only import domain code. `ring_once` is the
deduplicated doorbell of sweepers (one waiting message per key).

Work is stored in the database first; a Celery message only says "look now". When the broker
is down, a request that stored its rows must still answer 2xx (issue 11, point 5): `ring`
publishes after commit with a short retry policy, logs a failure instead of raising, and after
a failure skips publishing for BROKER_DOORBELL_COOLDOWN seconds in this process (so a request
that rings many doorbells pays for one failed connect, not one per doorbell). The sweepers
(calls.sweep, automations.sweep_callbacks, jobs.sweep) find the rows.
"""

import contextvars
import logging
import os
import reprlib
import threading
import time

from celery import Celery, signals
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from portal import gcfreeze, logcontext  # noqa: F401  (its Celery signals: the log context in task headers)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)


@signals.worker_init.connect
@signals.worker_process_init.connect
def _freeze_startup_objects(**_kwargs):
    """The worker's start-up objects out of the garbage collector's way (portal/gcfreeze.py):
    in the main process before it forks its pool, and again in each forked child."""
    gcfreeze.freeze()


# One connect attempt plus one quick retry: never seconds of backoff inside a web request.
PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.1,
}
_IMPORT_LOCK = threading.RLock()
_down_until = 0.0  # monotonic time until which this process does not try the broker again


def task_named(task):
    """The registered task for a name (`ring("contacts.run_contact_sync", ...)`), or `task`.

    Domain code rings doorbells by name so it never imports its own app's `tasks.py`. A web
    process has not imported the `tasks.py` modules (a worker has): import them once, as the
    worker does (Celery's autodiscovery of the installed apps).
    """
    if not isinstance(task, str):
        return task
    if task not in app.tasks:
        # One thread imports; the others wait for it (gthread workers: two first requests at
        # once used to find the modules half-imported and answer 500 NotRegistered).
        with _IMPORT_LOCK:
            if task not in app.tasks:
                app.loader.import_default_modules()
    return app.tasks[task]


def publish(task, *args, **kwargs) -> bool:
    """Send one task message (a task or its name) now; False (logged) when the broker refuses."""
    global _down_until
    task = task_named(task)
    if app.conf.task_always_eager:  # tests and CELERY_TASK_ALWAYS_EAGER: inline, errors raise
        task.delay(*args, **kwargs)
        return True
    if time.monotonic() < _down_until:
        log.debug("broker marked down; %s%r left to the sweeper", task.name, args)
        return False
    try:
        task.apply_async(
            args,
            kwargs,
            retry=True,
            retry_policy=PUBLISH_RETRY_POLICY,
            # the worker's log shows these; reprlib's bounded form (six items of a list) costs
            # a tenth of Celery's saferepr, which was ~10% of a doorbell publish's CPU
            argsrepr=reprlib.repr(args),
            kwargsrepr=reprlib.repr(kwargs),
        )
    except Exception as exc:  # any publish failure: the rows are stored, the sweeper finds them
        cooldown = settings.BROKER_DOORBELL_COOLDOWN
        _down_until = time.monotonic() + cooldown
        log.warning(
            "broker unreachable (%s: %s); %s%r left to the sweeper, no publish for %.0f s",
            type(exc).__name__,
            exc,
            task.name,
            args,
            cooldown,
        )
        return False
    return True


def ring(task, *args) -> None:
    """Best-effort doorbell (a task or its name) after the current transaction commits."""
    task = task_named(task)  # an unknown name raises here, in the caller, not after commit
    # Published with the log context of the code that rang (request id, tenant: the task's
    # headers carry it, portal/logcontext.py), even when the commit happens later.
    context = contextvars.copy_context()
    transaction.on_commit(lambda: context.run(publish, task, *args))


def ring_once(key: str, task, *args, **kwargs) -> bool:
    """Send `task` now unless a message rung under `key` still waits (the task deletes the key
    when it starts; after DELIVERY_DOORBELL_TTL_SECONDS a lost message is rung again)."""
    if not cache.add(key, 1, timeout=settings.DELIVERY_DOORBELL_TTL_SECONDS):
        return False
    if not publish(task, *args, **kwargs):  # broker down (logged): the next sweep rings
        cache.delete(key)
        return False
    return True


def reset_doorbell() -> None:
    """Forget a recorded broker failure (tests, or after an operator fixed the broker)."""
    global _down_until
    _down_until = 0.0
