"""What a long-lived process does once, before it takes work: warm up, then freeze.

`warm()` (web processes, portal/wsgi.py) imports what the first requests would otherwise import
while a caller waits: the URL conf (views, serializers, forms), every app's Celery tasks module
and the broker transport (a web request rings doorbells by name: portal.celery.task_named), and
the template libraries. Measured (`bench/routing.py --live`): the first live caller in a worker
imported 77 modules (Celery's canvas and amqp, kombu's Redis transport, the tasks modules, the
template tags), up to 120 ms of one request's CPU under the GIL every other request thread of
that process waits for.

`freeze()` (portal/gcfreeze.py) then moves the start-up objects out of the garbage
collector's sight. GC_FREEZE=false turns it off.
"""

from importlib import import_module

from django.conf import settings
from django.template import engines

from portal.celery import app
from portal.gcfreeze import freeze

__all__ = ["freeze", "warm"]


def warm() -> None:
    import_module(settings.ROOT_URLCONF)
    app.loader.import_default_modules()  # every installed app's tasks.py, as a worker does
    _ = app.amqp  # Celery's message machinery (imported on the first publish otherwise)
    _ = app.connection_for_write().transport  # kombu's transport module (no connection made)
    app.signature("calls.fold_calls")  # Celery's canvas (a publish builds one)
    for engine in engines.all():
        if hasattr(engine, "engine"):
            _ = engine.engine.template_libraries  # every {% load %}-able tag library
