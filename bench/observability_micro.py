"""Micro-benchmark: per-request cost (us) of the HTTP metrics middleware and the request log
line, before (django-prometheus' Before/After middlewares; structlog's ProcessorFormatter with
the full redaction walk and json.dumps) and after (portal.metrics_http, portal.logging).

    .venv/bin/python bench/observability_micro.py [--rounds 15] [--n 4000]

No database or server: a RequestFactory request through the middleware around a trivial view,
PROMETHEUS_MULTIPROC_DIR set (a write per series into the per-process file, as in
production), the log line written to /dev/null through the real handler and formatter. The
variants run interleaved, round after round, timed in thread CPU time, so a loaded machine weighs on all alike; the
figures are medians over rounds, and "after / before" is the ratio of paired rounds.
"""

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="ccportal-micro-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.update(METRICS_ENABLED="true", LOG_FORMAT="json", LOG_LEVEL="INFO")

import django  # noqa: E402

django.setup()

import structlog  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.urls import ResolverMatch  # noqa: E402
from django_prometheus.middleware import (  # noqa: E402
    PrometheusAfterMiddleware,
    PrometheusBeforeMiddleware,
)

from portal import logging as portal_logging  # noqa: E402
from portal.accesslog import REDACTED  # noqa: E402
from portal.logcontext import RequestContextMiddleware, bind, clear  # noqa: E402
from portal.metrics_http import HttpMetricsMiddleware  # noqa: E402

# The stdlib caller lookup that portal.logging turns off (the value logging sets itself).
CALLER_LOOKUP = os.path.normcase(logging.addLevelName.__code__.co_filename)
BODY = b'{"agent_email": "jane@acme.example", "queue": "Support"}'


# --- before: the implementation this replaced, kept here as the baseline -------------------
def _old_clean(value, depth=0):
    if isinstance(value, str):
        return portal_logging.redact_text(value)
    if depth > 5:
        return value
    if isinstance(value, dict):
        return {
            k: REDACTED if portal_logging.secret_key(k) and v else _old_clean(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_old_clean(v, depth + 1) for v in value]
    return value


def old_formatter():
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*portal_logging._SHARED, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            lambda _l, _m, ed: _old_clean(ed),
            structlog.processors.JSONRenderer(),
        ],
    )


# --- the pieces ---------------------------------------------------------------------------
def view(_request):
    return HttpResponse(b'{"route": "queue-7"}', content_type="application/json")


def request():
    req = RequestFactory().post("/api/v1/route/", BODY, content_type="application/json")
    req.resolver_match = ResolverMatch(view, (), {}, url_name="route", app_names=["api"])
    return req


def old_metrics_chain():
    after = PrometheusAfterMiddleware(lambda r: (after.process_view(r, view, (), {}), view(r))[1])
    return PrometheusBeforeMiddleware(after)


def log_line(logger):
    logger.info(
        "request", method="POST", path="/api/v1/route/", status=200, duration_ms=round(3.14159, 1)
    )


def timed(fn, arg, n: int) -> float:
    """CPU time of this thread per call: on a shared, loaded machine wall time mostly
    measures the other processes."""
    started = time.thread_time()
    for _ in range(n):
        fn(arg)
    return (time.thread_time() - started) / n * 1e6


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--n", type=int, default=4000)
    args = p.parse_args()

    req = request()
    old_chain, new_chain = old_metrics_chain(), HttpMetricsMiddleware(view)
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    old_fmt, new_fmt = old_formatter(), portal_logging.formatter("json")
    proxy = structlog.get_logger("portal.request")  # before: the module-level lazy proxy
    cached = structlog.get_logger("portal.request").bind()  # after: a bound logger, cached
    whole_old, whole_new = RequestContextMiddleware(view), RequestContextMiddleware(view)
    whole_old.log = proxy  # before: every line through the lazy proxy

    def run_log(fmt, logger, srcfile):
        handler.setFormatter(fmt)
        logging._srcfile = srcfile
        return lambda _r: log_line(logger)

    def run_whole(middleware, fmt, srcfile):
        handler.setFormatter(fmt)
        logging._srcfile = srcfile
        return middleware

    variants = {
        "view alone": lambda: view,
        "metrics before": lambda: old_chain,
        "metrics after": lambda: new_chain,
        "log line before": lambda: run_log(old_fmt, proxy, CALLER_LOOKUP),
        "log line after": lambda: run_log(new_fmt, cached, None),
        "request mw + line before": lambda: run_whole(whole_old, old_fmt, CALLER_LOOKUP),
        "request mw + line after": lambda: run_whole(whole_new, new_fmt, None),
    }
    bind(request_id="4f1c2a9e0b7d4c3e8a6f5b2d1e0c9a8b", tenant="acme")
    results: dict[str, list[float]] = {k: [] for k in variants}
    for make in variants.values():  # warm up: label children, files, caches
        timed(make(), req, 200)
    for _ in range(args.rounds):
        for name, make in variants.items():
            bind(request_id="4f1c2a9e0b7d4c3e8a6f5b2d1e0c9a8b", tenant="acme")
            results[name].append(timed(make(), req, args.n))
    clear()

    json_by = "orjson" if portal_logging.orjson is not None else "json.dumps (no orjson)"

    def med(name):
        return statistics.median(results[name])

    base = results["view alone"]
    print(f"{args.rounds} rounds x {args.n} requests, medians (us per request)")
    for what in ("metrics", "log line", "request mw + line"):
        before, after = results[f"{what} before"], results[f"{what} after"]
        if what == "metrics":  # the middleware's own cost: minus the bare view, paired
            before = [b - v for b, v in zip(before, base, strict=True)]
            after = [a - v for a, v in zip(after, base, strict=True)]
        ratios = [a / b for a, b in zip(after, before, strict=True)]
        print(
            f"  {what:18s} before {statistics.median(before):6.1f}  after "
            f"{statistics.median(after):6.1f}  after/before {statistics.median(ratios):.2f} "
            f"(paired rounds: min {min(ratios):.2f}, max {max(ratios):.2f})"
        )
    print(f"  (the bare view: {med('view alone'):.1f} us; JSON by {json_by})")


if __name__ == "__main__":
    main()
