"""The log context: which request, tenant, connector and call a log line is about.

Bound in structlog's context variables (portal.logging merges them into every line):

- `RequestContextMiddleware` (first middleware): `request_id` from the X-Request-ID header
  (when it is a sane token) or a new one, returned as the X-Request-ID response header; at the
  end one `request` line (method, path without the query string, status, duration_ms).
- `bind_tenant` (tenants.auth for API keys, the middleware's process_view for pages),
  `bind_connector` (connectors.registry.connector_for: every CRM call starts there),
  `bind_events` (the call-events API: the event and call id of a single event).
- Celery: `before_task_publish` copies the bound context into the task's headers, `task_prerun`
  binds it in the worker (and the task's name and id), `task_postrun` forgets it. An eager
  task (tests, CELERY_TASK_ALWAYS_EAGER) runs inside its caller's context and restores it after.
  portal.celery.ring publishes after commit with the context of the code that rang.

`connector_kind()` is what portal.http labels its CRM-request metric with when its caller does
not say (the connector bound by the current unit of work, else "unknown").
"""

import logging
import logging.config
import os
import re
import time

import structlog
from celery import signals
from django.conf import settings

log = structlog.get_logger("portal.request")

REQUEST_ID_HEADER = "X-Request-ID"
TASK_HEADER = "ccportal_log_context"  # the Celery message header carrying the bound context
_SANE_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
QUIET_PATHS = ("/metrics", "/healthz", "/static/")  # scrapes and probes: DEBUG, not INFO

bind = structlog.contextvars.bind_contextvars
clear = structlog.contextvars.clear_contextvars


def context() -> dict:
    return structlog.contextvars.get_contextvars()


def new_request_id(incoming: str | None = None) -> str:
    """The client's X-Request-ID when it is a short token (a proxy's or load balancer's id),
    else a new random one: a header never injects text into the log lines."""
    if incoming and _SANE_ID.match(incoming):
        return incoming
    return os.urandom(16).hex()  # 32 hex digits, as uuid4().hex, without building a UUID


def bind_tenant(tenant) -> None:
    if tenant is not None:
        bind(tenant=tenant.slug)


def bind_connector(account) -> None:
    bind(connector_id=account.pk, connector_kind=account.kind)


def bind_events(events: list[dict]) -> None:
    """One event: its event_id and call_id; a batch: how many (the ids are in the rows)."""
    if len(events) == 1:
        bind(event_id=events[0].get("event_id"), call_id=events[0].get("call_id"))
    else:
        bind(event_count=len(events))


def connector_kind() -> str:
    return context().get("connector_kind") or "unknown"


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # A bound logger, not the lazy proxy: no proxy lookup per request (settings configured
        # structlog before any middleware is built).
        self.log = log.bind()

    def __call__(self, request):
        clear()
        request_id = new_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        bind(request_id=request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            quiet = request.path.startswith(QUIET_PATHS)
            (self.log.debug if quiet else self.log.info)(
                "request",
                method=request.method,
                path=request.path,
                status=response.status_code,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
            return response
        finally:
            clear()

    def process_view(self, request, view_func, view_args, view_kwargs):
        bind_tenant(getattr(request, "tenant", None))  # pages: set by tenants' middleware


# --- Celery: the context travels in the task message's headers --------------------------------


@signals.before_task_publish.connect
def _copy_context_into_headers(headers=None, **_kwargs):
    bound = context()
    if bound and headers is not None:
        headers[TASK_HEADER] = bound


@signals.task_prerun.connect
def _bind_task_context(task_id=None, task=None, **_kwargs):
    request = task.request
    if request.is_eager:  # runs inside its caller: keep the caller's context, restore it after
        request.ccportal_log_tokens = bind(task=task.name)
        return
    clear()
    # The caller's context may itself come from a task (a task ringing another): this task's
    # name and id win over the ones it carried.
    carried = dict(getattr(request, TASK_HEADER, None) or {})
    bind(**{**carried, "task": task.name, "task_id": task_id})


@signals.task_postrun.connect
def _forget_task_context(task=None, **_kwargs):
    tokens = getattr(task.request, "ccportal_log_tokens", None)
    if tokens is not None:
        structlog.contextvars.reset_contextvars(**tokens)
    elif not task.request.is_eager:
        clear()


@signals.setup_logging.connect
def _django_logging(**_kwargs):
    """A worker logs as the web does (settings.LOGGING, LOG_FORMAT, LOG_LEVEL): Celery sets up
    no logging of its own when this signal has a receiver."""
    logging.config.dictConfig(settings.LOGGING)
