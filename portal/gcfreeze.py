"""`freeze()`: move what a long-lived process holds now out of the garbage collector's sight.

A process holds a few hundred thousand objects from start-up; CPython's full (generation 2)
collection walks every one, holding the GIL: 40-160 ms in a web worker, measured with
gc.callbacks during `bench/routing.py --live`, a stall of every request thread of that process.
`gc.freeze()` (the documented switch, Python 3.7+) puts them in a permanent generation that
collections skip; objects made later are collected as before. Before a fork it also keeps the
children from copying the pages the collector would touch. Web processes call it after
warming up (portal/startup.py), Celery workers when they start (portal/celery.py).
GC_FREEZE=false turns it off.
"""

import gc

from django.conf import settings


def freeze() -> None:
    if not getattr(settings, "GC_FREEZE", True):
        return
    gc.collect()
    gc.freeze()
