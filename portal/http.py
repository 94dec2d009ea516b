"""The one seam for outbound HTTP.

Every CRM / contact-center call goes through `request()`: it sets timeouts, retries transient
failures (connection errors, timeouts, 429, 502/503/504) with exponential backoff and jitter,
honours `Retry-After` (inline when short, else hands it to the caller's outbox via
HttpError.retry_after), and maps failures to HttpError(message, permanent=bool) (portal.errors;
connectors map it to their ConnectorError).
Tests talk to the simulators over real HTTP through this same seam.

Every session it is handed gets the guarded transport (portal.netconn): each connection goes
only to addresses the outbound policy (portal.netpolicy) allows. Redirects are followed here,
never to another host, at most MAX_REDIRECTS hops, each hop through the same guarded transport.
Error messages carry the status line only: the CRM's own error body is parsed by its client.py.
Worker-side real-time work (outbox deliveries, live call events) runs inside
`no_inline_waits()`: there a failure raises at once (no inline retry, no sleep on
Retry-After), so a rate-limiting CRM never holds a worker slot; the outbox reschedules.
A caller with a time budget (the live caller lookup, contacts/lookup.py) runs its requests inside
`deadline(seconds)`: each request then waits at most the time left (connect and read), and no
retry or backoff sleep goes past it. Context variables: a thread started with
`contextvars.copy_context().run` inherits both.
"""

import contextlib
import contextvars
import email.utils
import logging
import os
import random
import time
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import requests
import structlog
from django.conf import settings

from portal import logcontext, metrics, netconn
from portal.errors import HttpError

log = logging.getLogger(__name__)

TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}
RETRY_STATUS = {
    429,
    502,
    503,
    504,
}  # retried inline; other 5xx are reported (and the outbox retries)
REDIRECT_STATUS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def backoff(attempt: int, base: float = 0.5, cap: float = 8.0) -> float:
    """Full jitter: random(0, min(cap, base * 2**attempt))."""
    return random.uniform(0, min(cap, base * 2**attempt))


def new_session() -> requests.Session:
    """A guarded session that reads nothing from the environment per request: proxies are
    never used (portal/netconn.py), and credentials from ~/.netrc must never be sent to a URL
    a tenant typed. requests' trust_env scanned the whole environment and looked for a netrc
    file on every request (a tenth of a live lookup's CPU); the CA bundle an operator sets
    (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE) still applies as requests applies it (`_ca_bundle`)."""
    session = requests.Session()
    session.trust_env = False
    return netconn.guard(session)


def _ca_bundle(kwargs: dict) -> None:
    """requests' own rule for the operator's CA bundle (what trust_env did for `verify`): the
    environment's bundle unless the request names its own verify."""
    if kwargs.get("verify") in (True, None):
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            kwargs["verify"] = bundle


_default_session = None

# fairness: off inside no_inline_waits() (delivery workers must never sleep on a CRM).
_inline_waits = contextvars.ContextVar("http_inline_waits", default=True)

# The id a server gives each request, for its support desk ("quote this id"): the first of these
# response headers that is present. x-ms-service-request-id is Dataverse's (Dynamics 365).
REQUEST_ID_HEADERS = ("x-ms-service-request-id", "x-request-id", "request-id", "x-ms-request-id")
_last_request_id = contextvars.ContextVar("http_last_request_id", default="")


def request_id_of(response: requests.Response) -> str:
    for name in REQUEST_ID_HEADERS:
        if value := response.headers.get(name):
            return value.strip()[:128]
    return ""


def last_request_id() -> str:
    """The request id of the last response the seam received in this context ("" if none)."""
    return _last_request_id.get()


def forget_request_id() -> None:
    """Start a new unit of work (the outbox does before each CRM write)."""
    _last_request_id.set("")


@contextlib.contextmanager
def no_inline_waits():
    """Within this block request() neither retries nor sleeps: the first failure raises."""
    token = _inline_waits.set(False)
    try:
        yield
    finally:
        _inline_waits.reset(token)


# time.monotonic() by which every request in this context must be done (None: no deadline).
_deadline = contextvars.ContextVar("http_deadline", default=None)


@contextlib.contextmanager
def deadline(seconds: float):
    """Within this block every request uses at most the time left as its timeout and does no
    retry or backoff past it; a nested deadline never extends an outer one."""
    end = time.monotonic() + max(0.0, seconds)
    outer = _deadline.get()
    token = _deadline.set(end if outer is None else min(end, outer))
    try:
        yield
    finally:
        _deadline.reset(token)


def time_left() -> float | None:
    """Seconds left before this context's deadline (never negative), None without one."""
    end = _deadline.get()
    return None if end is None else max(0.0, end - time.monotonic())


def _within_deadline(url: str, timeout: tuple[float, float]) -> tuple[float, float]:
    left = time_left()
    if left is None:
        return timeout
    if left <= 0.0:
        raise HttpError(f"{_host(url)} not asked: the caller's deadline has passed")
    return (min(timeout[0], left), min(timeout[1], left))


def _can_wait(seconds: float) -> bool:
    """A retry after `seconds` still ends before the deadline (always true without one)."""
    left = time_left()
    return left is None or seconds < left


def default_session() -> requests.Session:
    global _default_session
    if _default_session is None:
        _default_session = new_session()
    return _default_session


def request(
    method: str,
    url: str,
    *,
    session: requests.Session | None = None,
    timeout: tuple[float, float] | None = None,
    retries: int | None = None,
    ok_status: tuple[int, ...] = (),
    sleep=time.sleep,
    kind: str | None = None,
    **kwargs,
) -> requests.Response:
    """Send a request; return the response for any status < 400 or listed in ok_status.

    Raises HttpError for network failures and error statuses; the caller (a client.py)
    may catch it to map the CRM's own error body to a better message. `kind` labels the
    request's metric and log line (default: the connector bound in the log context).
    """
    session = netconn.guard(session or default_session())
    timeout = timeout or (settings.HTTP_TIMEOUT_CONNECT, settings.HTTP_TIMEOUT_READ)
    retries = settings.HTTP_RETRIES if retries is None else retries
    kwargs.pop("allow_redirects", None)  # redirects are followed by _follow, host-bound
    _check_url(url)
    if not _inline_waits.get():
        retries = 0
    attempt = 0
    base_timeout = timeout
    while True:
        timeout = _within_deadline(url, base_timeout)
        try:
            response = _observed(kind, method, url, _follow, session, timeout, ok_status, kwargs)
        except requests.exceptions.SSLError as exc:
            raise HttpError(f"TLS error talking to {_host(url)}: {exc}", permanent=True) from exc
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
            wait = backoff(attempt) if attempt < retries else None
            if wait is not None and _can_wait(wait):
                sleep(wait)
                attempt += 1
                continue
            # Words, not the exception's class name (the message is shown to tenant admins).
            if isinstance(exc, requests.exceptions.Timeout):
                what = "timed out: no answer in time"
            else:
                what = "unreachable: the connection failed (wrong address or host down)"
            raise HttpError(f"{_host(url)} {what}") from exc
        except requests.exceptions.RequestException as exc:
            raise HttpError(f"Bad request to {_host(url)}: {exc}", permanent=True) from exc

        status = response.status_code
        rid = request_id_of(response)
        _last_request_id.set(rid)
        if status < 400 or status in ok_status:
            return response
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status in RETRY_STATUS and attempt < retries:
            wait = retry_after if retry_after is not None else backoff(attempt)
            if wait <= settings.HTTP_MAX_INLINE_RETRY_AFTER and _can_wait(wait):
                log.info("HTTP %s from %s, retrying in %.1fs", status, _host(url), wait)
                sleep(wait)
                attempt += 1
                continue
        raise HttpError(
            f"HTTP {status} from {_host(url)}: {status_text(response)}".rstrip(": "),
            permanent=status not in TRANSIENT_STATUS,
            retry_after=retry_after,
            status=status,
            request_id=rid,
        )


def json_body(response: requests.Response):
    """The response's JSON, or a transient HttpError for a malformed body."""
    try:
        return response.json()
    except ValueError as exc:
        raise HttpError(
            f"Malformed JSON from {_host(response.url)} (HTTP {response.status_code})"
        ) from exc


_crm_log = structlog.get_logger("portal.http")


def _observed(kind, method, url, follow, session, timeout, ok_status, kwargs):
    """One try through `follow`, counted (portal.metrics) and logged as `crm_request` (host,
    status, time, the CRM's request id; never the path or body: they carry personal data)."""
    kind = kind or logcontext.connector_kind()
    started = time.perf_counter()
    status = None
    try:
        response = follow(session, method, url, timeout, ok_status, kwargs)
        status = response.status_code
        return response
    finally:
        seconds = time.perf_counter() - started
        metrics.crm_request(kind, status, seconds)
        _crm_log.info(
            "crm_request",
            kind=kind,
            method=method,
            host=_host(url),
            status=status,
            duration_ms=round(seconds * 1000, 1),
            crm_request_id=request_id_of(response) if status else "",
        )


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and parts.hostname and "@" not in parts.netloc
    except ValueError:
        ok = False
    if not ok:
        raise HttpError(f"Not a valid http(s) URL: {_host(url)[:100]}", permanent=True)


def _same_host(source: str, target: str) -> bool:
    """Same scheme, host and port; an http -> https upgrade on the same host name too."""
    a, b = urlsplit(source), urlsplit(target)
    if a.hostname != b.hostname or "@" in b.netloc:
        return False
    if a.scheme == "http" and b.scheme == "https":
        return True
    return a.scheme == b.scheme and a.port == b.port


def _follow(session, method, url, timeout, ok_status, kwargs) -> requests.Response:
    """session.request without requests' own redirect handling (which crosses hosts)."""
    _ca_bundle(kwargs)
    for _hop in range(MAX_REDIRECTS + 1):
        response = session.request(method, url, timeout=timeout, allow_redirects=False, **kwargs)
        status = response.status_code
        location = response.headers.get("Location")
        if status not in REDIRECT_STATUS or status in ok_status or not location:
            return response
        response.close()
        target = urljoin(url, location)
        if not _same_host(url, target):
            raise HttpError(
                f"HTTP {status} from {_host(url)}: redirect to another host not followed",
                permanent=True,
                status=status,
            )
        if status == 303 or (status in (301, 302) and method.upper() not in ("GET", "HEAD")):
            method = "GET"
            kwargs = {k: v for k, v in kwargs.items() if k not in ("data", "json", "files")}
        url = target
    raise HttpError(f"Too many redirects from {_host(url)}", permanent=True, status=status)


def _host(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return "?"
    return parts.netloc.rpartition("@")[2] or url


def status_text(response: requests.Response) -> str:
    """The reason phrase of the status line (printable, bounded): never the body."""
    reason = response.reason or ""
    if isinstance(reason, bytes):
        reason = reason.decode("latin-1")
    return "".join(c for c in reason if c.isprintable())[:60].strip()
