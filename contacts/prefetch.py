"""Read the next page from the CRM while the current one is written to the database.

The CRM round trip (network + the CRM's own time) and our bulk upsert then overlap. At most
`depth` pages wait in the queue, so memory stays flat. The producer thread closes its own
database connection (the connector may touch the DB to refresh a token or save API usage).
It runs in a copy of the caller's context variables, so its CRM requests' log lines and
metrics name the job's tenant and connector (they said `connector_kind=unknown` before).
"""

import contextvars
import queue
import threading
from collections.abc import Iterable, Iterator

from django.db import connection

_DONE = object()


class _Failure:
    def __init__(self, exc: BaseException):
        self.exc = exc


def prefetch(pages: Iterable, depth: int = 2) -> Iterator:
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for page in pages:
                if not put(page):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            put(_Failure(exc))
        finally:
            connection.close()

    context = contextvars.copy_context()
    thread = threading.Thread(
        target=context.run, args=(produce,), name="contact-prefetch", daemon=True
    )
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)
