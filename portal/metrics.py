"""Prometheus metrics: the portal's own metric objects and the `GET /metrics` view.

Labels name connector kinds, outbox kinds, job kinds and outcomes, never a tenant or a
connector id: 200 tenants must not mean 200 times the series (bounded cardinality).

Two sorts of metrics:
- counters and histograms updated where things happen (a CRM request in portal.http, a
  delivery in delivery.outbox, a token refresh in connectors.base, a finished job in
  jobs.runner, ingested events in calls): one in-memory increment, no query on the hot path;
- scrape-time collectors that read the database when Prometheus scrapes (the outbox backlog
  and its oldest row: delivery/metrics.py; connectors by status: connectors/metrics.py),
  registered by their app's ready() with `register_collector`.

django-prometheus adds the HTTP (django_http_*) and database (django_db_*) basics.

Several processes (gunicorn workers, Celery workers): set PROMETHEUS_MULTIPROC_DIR to an empty
directory shared by the processes of one host before they start; each process then writes its
values there and the view sums them (prometheus_client's multiprocess mode). See
docs/operations.md.

Access (../shared/API.md "Metrics"): with METRICS_TOKEN set, `Authorization: Bearer <token>`
(401 without credentials, 403 with wrong ones); without METRICS_TOKEN the endpoint is open when
DEBUG is on and closed (403) otherwise.
"""

import contextlib
import hmac
import logging
import os

from django.conf import settings
from django.http import Http404, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

CRM_REQUESTS = Counter(
    "ccportal_crm_requests",
    "HTTP requests to CRMs (each try, inline retries included) by status class",
    ["connector_kind", "status_class"],
)
CRM_REQUEST_SECONDS = Histogram(
    "ccportal_crm_request_duration_seconds",
    "Time of one HTTP request to a CRM",
    ["connector_kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
DELIVERY_LATENCY = Histogram(
    "ccportal_delivery_latency_seconds",
    "From the sync decision (outbox row created) to the row synced in the CRM",
    ["connector_kind", "kind"],
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600, 21600),
)
TOKEN_REFRESHES = Counter(
    "ccportal_token_refreshes",
    "CRM token fetches and refreshes by outcome (ok, needs_reauth, error)",
    ["connector_kind", "outcome"],
)
JOB_SECONDS = Histogram(
    "ccportal_job_duration_seconds",
    "Run time of background jobs (contact syncs, pushes) by kind and outcome",
    ["job_kind", "outcome"],
    buckets=(1, 5, 15, 60, 300, 900, 3600, 14400),
)
INGEST_EVENTS = Counter(
    "ccportal_ingest_events",
    "Call events received, by source (api, daktela) and outcome (accepted, duplicate)",
    ["source", "outcome"],
)
INGEST_REJECTED = Counter(
    "ccportal_ingest_rejected_requests",
    "Call-event requests refused (invalid body, bad signature, not JSON), by source",
    ["source"],
)


def status_class(status: int | None) -> str:
    """ "2xx" .. "5xx" for an HTTP status; "error" when no response came (timeout, refused)."""
    return f"{status // 100}xx" if status else "error"


def crm_request(kind: str, status: int | None, seconds: float) -> None:
    CRM_REQUESTS.labels(kind, status_class(status)).inc()
    CRM_REQUEST_SECONDS.labels(kind).observe(seconds)


def delivered(connector, records, now) -> None:
    """Synced outbox rows of `connector` (an Installation or its account): the time from their
    decision (created_at) to `now`."""
    connector_kind = getattr(getattr(connector, "account", connector), "kind", "unknown")
    for record in records:
        DELIVERY_LATENCY.labels(connector_kind, record.kind).observe(
            max(0.0, (now - record.created_at).total_seconds())
        )


def token_refresh(connector_kind: str, outcome: str) -> None:
    TOKEN_REFRESHES.labels(connector_kind, outcome).inc()


def job_finished(job_kind: str, outcome: str, started_at, finished_at) -> None:
    if started_at is not None:
        seconds = max(0.0, (finished_at - started_at).total_seconds())
        JOB_SECONDS.labels(job_kind, outcome).observe(seconds)


def ingested(source: str, accepted: int, duplicates: int) -> None:
    if accepted:
        INGEST_EVENTS.labels(source, "accepted").inc(accepted)
    if duplicates:
        INGEST_EVENTS.labels(source, "duplicate").inc(duplicates)


@contextlib.contextmanager
def counting_rejections(source: str):
    """Count a call-events request refused with a 4xx (invalid body, bad signature, not JSON)
    inside this block or the view it decorates; the error still raises."""
    try:
        yield
    except Exception as exc:
        if 400 <= getattr(exc, "status_code", 0) < 500:
            INGEST_REJECTED.labels(source).inc()
        raise


# --- scrape-time collectors (database reads when Prometheus scrapes) ---------------------------

_SCRAPE_COLLECTORS: dict[str, object] = {}  # name -> collector, filled by apps' ready()


class _ScrapeTime:
    """Runs the registered collectors at scrape time. One that fails (the database is down) is
    logged and reported as ccportal_collector_up 0; it never fails the whole scrape."""

    def collect(self):
        up = GaugeMetricFamily(
            "ccportal_collector_up",
            "1 when a scrape-time collector could read its data",
            labels=["collector"],
        )
        for name, collector in _SCRAPE_COLLECTORS.items():
            try:
                families = list(collector.collect())
            except Exception:
                log.exception("metrics collector %s failed", name)
                families = []
            yield from families
            up.add_metric([name], 1 if families else 0)
        yield up


# Not the default registry: that one calls collect() on register (a query while apps load).
SCRAPE_REGISTRY = CollectorRegistry()
SCRAPE_REGISTRY.register(_ScrapeTime())


def register_collector(collector) -> None:
    """Add a collector whose collect() runs at scrape time only (an app's ready())."""
    _SCRAPE_COLLECTORS[type(collector).__name__] = collector


def exposition(multiproc_dir: str | None = None) -> bytes:
    """The Prometheus text: this process's metrics, or (multiprocess mode) every process's
    values summed from `multiproc_dir`; then the scrape-time collectors."""
    multiproc_dir = multiproc_dir or os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if multiproc_dir:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=multiproc_dir)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(SCRAPE_REGISTRY)


def _refusal(status: int, text: str) -> HttpResponse:
    response = HttpResponse(text + "\n", status=status, content_type="text/plain")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def metrics_view(request):
    """GET /metrics: the Prometheus text format (operators only, see the module docstring)."""
    if not settings.METRICS_ENABLED:
        raise Http404
    token = settings.METRICS_TOKEN
    if token:
        header = request.headers.get("Authorization", "")
        if not header:
            return _refusal(401, "Authorization: Bearer <METRICS_TOKEN> required.")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            value.strip().encode(), token.encode()
        ):
            return _refusal(403, "Wrong metrics token.")
    elif not settings.DEBUG:
        return _refusal(403, "Metrics are closed: set METRICS_TOKEN (docs/operations.md).")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
