"""The HTTP metrics of django-prometheus, only the ones a dashboard or an alert reads.

django-prometheus' Before/After middlewares record about twelve series per request (request
and response body-size histograms, counts by method, by transport, by charset, AJAX, latency
twice...), each a locked write into the per-process file in multiprocess mode: some 50 us per
request. `HttpMetricsMiddleware` (one middleware, first in MIDDLEWARE) keeps django-prometheus'
metric class and names for what deploy/grafana/ccportal.json and docs/operations.md use:

  django_http_requests_total_by_view_transport_method_total   request rate by view
  django_http_responses_total_by_status_total                  status classes (error rate)
  django_http_requests_latency_seconds_by_view_method          latency by view (histogram)
  django_http_exceptions_total_by_type_total / _by_view_total  unhandled exceptions

Latency is the whole Django stack (the middlewares included), from the first middleware in to
the response out; a request that no URL matched is labelled view "<unnamed view>". The labelled
children are cached per (view, method, transport, status), so a request costs three
increments and no label lookup. The database metrics (django_db_*) stay django-prometheus'
own (its database backend wrapper, settings.py).
"""

import time

from django_prometheus.conf import NAMESPACE, PROMETHEUS_LATENCY_BUCKETS
from django_prometheus.middleware import Metrics
from prometheus_client import Counter, Histogram

METHODS = frozenset(
    ("GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "OPTIONS", "CONNECT", "PATCH")
)
UNNAMED = "<unnamed view>"
MAX_CHILDREN = 5000  # view x method x transport x status: bounded by the URLconf; a guard


class HttpMetrics(Metrics):
    """django-prometheus' Metrics with only the series that are read (same names, labels)."""

    def register(self):
        self.requests_by_view_transport_method = self.register_metric(
            Counter,
            "django_http_requests_total_by_view_transport_method",
            "Count of requests by view, transport, method.",
            ["view", "transport", "method"],
            namespace=NAMESPACE,
        )
        self.responses_by_status = self.register_metric(
            Counter,
            "django_http_responses_total_by_status",
            "Count of responses by status.",
            ["status"],
            namespace=NAMESPACE,
        )
        self.requests_latency_by_view_method = self.register_metric(
            Histogram,
            "django_http_requests_latency_seconds_by_view_method",
            "Histogram of request processing time labelled by view.",
            ["view", "method"],
            buckets=PROMETHEUS_LATENCY_BUCKETS,
            namespace=NAMESPACE,
        )
        self.exceptions_by_type = self.register_metric(
            Counter,
            "django_http_exceptions_total_by_type",
            "Count of exceptions by object type.",
            ["type"],
            namespace=NAMESPACE,
        )
        self.exceptions_by_view = self.register_metric(
            Counter,
            "django_http_exceptions_total_by_view",
            "Count of exceptions by view.",
            ["view"],
            namespace=NAMESPACE,
        )


def _view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name if match is not None else None) or UNNAMED


class HttpMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.metrics = HttpMetrics.get_instance()
        self._children: dict[tuple, tuple] = {}

    def _series(self, view: str, method: str, transport: str, status: int) -> tuple:
        key = (view, method, transport, status)
        series = self._children.get(key)
        if series is None:
            m = self.metrics
            series = (
                m.requests_by_view_transport_method.labels(view, transport, method),
                m.responses_by_status.labels(str(status)),
                m.requests_latency_by_view_method.labels(view, method),
            )
            if len(self._children) < MAX_CHILDREN:
                self._children[key] = series
        return series

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        method = request.method if request.method in METHODS else "<invalid method>"
        transport = "https" if request.is_secure() else "http"
        requests, responses, latency = self._series(
            _view_name(request), method, transport, response.status_code
        )
        requests.inc()
        responses.inc()
        latency.observe(elapsed)
        return response

    def process_exception(self, request, exception):
        self.metrics.exceptions_by_type.labels(type(exception).__name__).inc()
        self.metrics.exceptions_by_view.labels(_view_name(request)).inc()
