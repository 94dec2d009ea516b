"""Shared machinery for the CRM simulators: a real threaded HTTP(S) server on a local port.

Each `simulators/<kind>/app.py` subclasses Simulator, declares `routes` (method, regex,
handler name) and seeds realistic data. Tests and `manage.py run_simulators` start them; the
connectors talk to them over real HTTP through portal.http.

Fault injection for tests: `sim.fail_next(status=503, times=2, body=..., headers=...)`,
`sim.fail_next(delay=3)` (slow response -> client timeout), `sim.fail_next(raw=b"not json")`.
`sim.latency` adds a delay to every request (benchmarks). `sim.requests` logs (method, path);
`sim.max_in_flight` is the most requests it was ever serving at once.
`sim.rate_limit(retry_after=5)` answers every request 429 with that `Retry-After` until
`sim.rate_limit(None)` (a CRM over its API limit; `sim.throttled` counts those answers).
"""

import json
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


@dataclass
class Fault:
    status: int = 500
    body: object = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None
    times: int = 1
    path: str = ""  # only requests whose path contains this


class Reply(Exception):
    """Raise from a handler to answer with a status and JSON body."""

    def __init__(self, status: int, body=None, headers: dict | None = None):
        self.status, self.body, self.headers = status, body, headers or {}


class Request:
    def __init__(self, handler: BaseHTTPRequestHandler, body: bytes):
        parts = urlsplit(handler.path)
        self.method = handler.command
        self.path = parts.path
        self.query = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(parts.query).items()}
        self.headers = handler.headers
        self.body = body
        self.match: re.Match | None = None

    def json(self):
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise Reply(400, {"error": "malformed JSON"}) from None

    def form(self) -> dict:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


class Simulator:
    name = "simulator"
    routes: list[tuple[str, str, str]] = []  # (METHOD, path regex, method name)
    tls = False

    def __init__(self, host: str = "127.0.0.1", port: int = 0, cert_dir: Path | None = None):
        self.host, self.port, self.cert_dir = host, port, cert_dir
        self.latency = 0.0
        self.retry_after: float | None = None  # set: every request answers 429
        self.throttled = 0
        self.in_flight = self.max_in_flight = 0
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.RLock()
        self.ca = None
        self._server = None
        self._compiled = [(m, re.compile(f"^{p}$"), h) for m, p, h in self.routes]
        self.seed()

    # --- to override -------------------------------------------------------------------

    def seed(self) -> None:
        """Fill the simulator with realistic data."""

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        host = "localhost" if self.tls else self.host
        return f"{scheme}://{host}:{self._server.server_address[1]}"

    def start(self) -> "Simulator":
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: with Nagle on, a keep-alive client's
            # delayed ACK held every answer ~40 ms (measured: a live search took 48 ms at
            # latency 0), which no real CRM front end does.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                with sim.lock:
                    sim.in_flight += 1
                    sim.max_in_flight = max(sim.max_in_flight, sim.in_flight)
                try:
                    sim._dispatch(self, Request(self, self.rfile.read(length) if length else b""))
                finally:
                    with sim.lock:
                        sim.in_flight -= 1

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        if self.tls:
            self._wrap_tls()
        threading.Thread(target=self._server.serve_forever, daemon=True, name=self.name).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def _wrap_tls(self) -> None:
        import trustme

        self.ca = trustme.CA()
        cert = self.ca.issue_cert("localhost", "127.0.0.1")
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(ctx)
        self._server.socket = ctx.wrap_socket(self._server.socket, server_side=True)
        if self.cert_dir:
            self.cert_dir.mkdir(parents=True, exist_ok=True)
            self.ca.cert_pem.write_to_path(str(self.ca_bundle_path))

    @property
    def ca_bundle_path(self) -> Path:
        return (self.cert_dir or Path(".")) / f"{self.name}-ca.pem"

    def write_ca(self, path: Path) -> Path:
        self.ca.cert_pem.write_to_path(str(path))
        return path

    # --- faults -----------------------------------------------------------------------------

    def fail_next(self, status: int = 500, times: int = 1, **kwargs) -> None:
        with self.lock:
            self.faults.append(Fault(status=status, times=times, **kwargs))

    def rate_limit(self, retry_after: float | None = 5) -> None:
        """Answer every request 429 + Retry-After (None: serve normally again)."""
        with self.lock:
            self.retry_after = retry_after

    def _take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.path in path:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # --- dispatch ---------------------------------------------------------------------------

    def _dispatch(self, handler, request: Request) -> None:
        with self.lock:
            self.requests.append((request.method, handler.path))
        if self.latency:
            time.sleep(self.latency)
        if self.retry_after is not None:
            with self.lock:
                self.throttled += 1
            wait = {"Retry-After": str(round(self.retry_after))}  # whole seconds, as HTTP says
            return self._send(handler, 429, {"error": "rate limit exceeded"}, wait)
        fault = self._take_fault(handler.path)
        if fault:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.raw is not None:
                return self._send(handler, fault.status, fault.raw, fault.headers, raw=True)
            if fault.status:
                return self._send(handler, fault.status, fault.body, fault.headers)
        for method, pattern, name in self._compiled:
            if method == request.method and (m := pattern.match(request.path)):
                request.match = m
                try:
                    result = getattr(self, name)(request)
                except Reply as reply:
                    return self._send(handler, reply.status, reply.body, reply.headers)
                status, body, headers = result if isinstance(result, tuple) else (200, result, {})
                return self._send(handler, status, body, headers)
        return self._send(handler, 404, self.not_found_body(request))

    def not_found_body(self, request: Request):
        return {"error": f"no route for {request.method} {request.path}"}

    def response_headers(self) -> dict:
        return {}

    def _send(self, handler, status: int, body, headers: dict, raw: bool = False) -> None:
        if raw:
            data = body
            ctype = headers.get("Content-Type", "application/json")
        elif isinstance(body, bytes | str):
            data = body.encode() if isinstance(body, str) else body
            ctype = headers.get("Content-Type", "text/plain")
        else:
            data = b"" if body is None else json.dumps(body, default=str).encode()
            ctype = "application/json"
        handler.send_response(status)
        handler.send_header(
            "Content-Type", headers.pop("Content-Type", ctype) if headers else ctype
        )
        for key, value in {**self.response_headers(), **headers}.items():
            handler.send_header(key, str(value))
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(data)
