"""Benchmark: call-event ingestion through the web server + PostgreSQL, then end-to-end CRM sync.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ccportal_calls \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/8 .venv/bin/python bench/ingest.py

1. Starts the web server (granian 2 x 4 as deployed; `--server gunicorn:4x4,granian --rounds 3`
   alternates servers in one run) on a free port and fires, from client threads with
   keep-alive connections, single-event requests and 100-event batches: prints events/s.
2. Starts real Celery workers (`celery -A portal worker`) against CELERY_BROKER_URL, posts
   10,000 ended calls (one `ended` event each, 1000 per request) for a tenant with one
   Salesforce connector pointing at the Salesforce simulator (50 ms added per request), and
   waits until every call is synced: prints elapsed seconds and the CRM requests used.
   Then each call's agent wrap-up (a `wrapup` event after its end: notes, disposition, tags;
   1000 per request) and waits until every CRM record was updated: prints the extra CRM
   requests the updates cost (they go in the connector's batches, not one per call).
   `--workers 1,2` runs this phase once per worker count and prints the speed-up over the
   first, and the share of the database's active backends found waiting on a lock
   (pg_stat_activity sampled every 50 ms while the calls are delivered).
3. Interactions (email, chat, SMS) per second, single and 100 per request (--skip-interactions).
Targets: >= 500 ev/s single, >= 3,000 ev/s batched, 10,000 calls < 60 s, <= 1 request/100 calls;
wrap-up updates <= 1 extra request/100 calls; interactions as the call events.
"""

# Project modules are imported inside functions on purpose: a benchmark sets its environment
# (DATABASE_URL, worker processes) and calls django.setup() before any model may load.
import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.servers import web_command  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# As in production (portal.W001): one cache for every process, here the broker's Redis.
os.environ.setdefault("CACHE_URL", os.environ.get("CELERY_BROKER_URL", "locmemcache://"))
# The Salesforce simulator listens on 127.0.0.1: allow that network (outbound policy, DEBUG off).
os.environ.setdefault("OUTBOUND_ALLOWED_NETWORKS", "127.0.0.0/8")
# Persistent database connections: a new PostgreSQL connection per request costs more than
# the whole ingest (production: conn_max_age in DATABASE_URL, or DATABASE_POOL=true).
if "DATABASE_URL" in os.environ and "?" not in os.environ["DATABASE_URL"]:
    os.environ["DATABASE_URL"] += "?conn_max_age=300"
if not os.environ.get("FIELD_ENCRYPTION_KEYS"):
    import base64
    import hashlib

    os.environ["FIELD_ENCRYPTION_KEYS"] = base64.urlsafe_b64encode(
        hashlib.sha256(os.environ["SECRET_KEY"].encode()).digest()
    ).decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def event(call_id: str, type_: str, i: int) -> dict:
    return {
        "event_id": f"{call_id}-{type_}",
        "call_id": call_id,
        "activity_id": f"{call_id}-a1",
        "type": type_,
        "direction": "in",
        "caller": f"+420{600000000 + i}",
        "callee": "+420226211245",
        "queue": "Support",
        "agent_id": f"agent{i % 50}",
        "occurred_at": f"2026-11-20T{8 + (i // 3600) % 10:02d}:{(i // 60) % 60:02d}:{i % 60:02d}+01:00",
        "duration_seconds": 30 + i % 300,
        "wait_seconds": i % 40,
        "privacy": "work",
        "status": "answered",
    }


def wrapup(call_id: str, i: int) -> dict:
    """The agent's after-call work, 5 minutes after the call's end event (event(..., i))."""
    ended = datetime.fromisoformat(event(call_id, "ended", i)["occurred_at"])
    return {
        "event_id": f"{call_id}-wrapup",
        "call_id": call_id,
        "activity_id": f"{call_id}-a1",
        "type": "wrapup",
        "occurred_at": (ended + timedelta(minutes=5)).isoformat(),
        "notes": f"Agent notes for call {i}",
        "disposition": ("Resolved", "Callback", "Complaint")[i % 3],
        "tags": ["bench", f"t{i % 7}"],
    }


def connect(port: int) -> http.client.HTTPConnection:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.connect()
    # No Nagle: a request's last segment must not wait for the server's delayed ACK.
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


MIX = ("ringing", "answered", "ended")


def mixed(prefix: str, i: int) -> dict:
    """Event i of a stream in which every call sends ringing, answered, then ended."""
    ev = event(f"{prefix}-{i // 3}", MIX[i % 3], i // 3)
    ev["occurred_at"] = ev["occurred_at"].replace("+01:00", f".{i % 3}+01:00")
    return ev


class LeanConnection:
    """One keep-alive HTTP/1.1 connection that sends prepared request bytes and reads the
    response by its Content-Length (the server always sends one).

    The load generator shares the machine's two cores with the web server and PostgreSQL, and
    http.client (headers built per request, responses parsed by the email package) cost about
    0.25 ms of CPU per request, a tenth of what the whole stack spends on an event: CPU the
    server under test could not use. This client costs a fraction of that."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        self.sock.sendall(request)
        buffer = self.buffer
        while (end := buffer.find(b"\r\n\r\n")) < 0:
            buffer += self._recv()
        head, buffer = buffer[:end], buffer[end + 4 :]
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(buffer) < length:
            buffer += self._recv()
        self.buffer = buffer[length:]
        return status, buffer[:length]

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        return chunk

    def close(self) -> None:
        self.sock.close()


def prepared(path: str, key: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class Client(threading.Thread):
    """Posts its share of bodies over one keep-alive connection (LeanConnection)."""

    path = "/api/v1/call-events/"

    def __init__(self, port: int, key: str, bodies: list[bytes]):
        super().__init__(daemon=True)
        self.port, self.errors, self.accepted = port, 0, 0
        self.requests = [prepared(self.path, key, body) for body in bodies]

    def run(self):
        conn = LeanConnection(self.port)
        for request in self.requests:
            try:
                status, data = conn.exchange(request)
            except OSError:
                conn.close()
                conn = LeanConnection(self.port)
                self.errors += 1
                continue
            if status != 202:
                self.errors += 1
            else:
                self.accepted += json.loads(data)["accepted"]
        conn.close()


TICKS = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def stack_pids(server_pid: int) -> list[int]:
    """gunicorn's workers and the PostgreSQL backends serving this database."""
    db = os.environ["DATABASE_URL"].rsplit("/", 1)[1].split("?")[0]
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().decode(errors="replace")
        except (OSError, ValueError):
            continue
        if ppid == server_pid or (cmd.startswith("postgres:") and f" {db} " in cmd):
            pids.append(int(entry))
    return pids


def cpu_used(pids: list[int]) -> float:
    return sum(cpu_split(pids))


def cpu_split(pids: list[int]) -> tuple[float, float, float]:
    """(server, database, client) CPU seconds so far."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    server = db = 0.0
    for p in pids:
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                is_db = f.read().startswith(b"postgres:")
        except OSError:
            continue
        if is_db:
            db += _proc_cpu(p)
        else:
            server += _proc_cpu(p)
    return server, db, own.ru_utime + own.ru_stime


def fire(port: int, key: str, bodies: list[bytes], threads: int) -> tuple[float, int, int]:
    clients = [Client(port, key, bodies[i::threads]) for i in range(threads)]
    start = time.perf_counter()
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    elapsed = time.perf_counter() - start
    return elapsed, sum(c.accepted for c in clients), sum(c.errors for c in clients)


def setup_tenant(slug: str):
    from tenants.models import ApiKey, Tenant

    Tenant.objects.filter(slug=slug).delete()
    tenant = Tenant.objects.create(slug=slug, name=slug, default_region="CZ", time_zone="UTC")
    _key, raw = ApiKey.issue(tenant, "bench")
    return tenant, raw


def start_server(
    port: int, workers: int, threads: int, server: str = "granian"
) -> subprocess.Popen:
    """The web server as deploy/ runs it (granian) or gunicorn gthread (bench/servers.py)."""
    cmd = web_command(server, port, workers, threads)
    return subprocess.Popen(cmd, cwd=ROOT, env=os.environ.copy())


def start_workers(n: int, concurrency: int) -> list[subprocess.Popen]:
    procs = []
    for i in range(n):
        cmd = [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "portal",
            "worker",
            "-l",
            "warning",
            "-c",
            str(concurrency),
            "-n",
            f"bench{i}-{uuid.uuid4().hex[:6]}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        procs.append(subprocess.Popen(cmd, cwd=ROOT, env=os.environ.copy()))
    return procs


def stop(procs) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()


def ingest_phase(port: int, args) -> dict:
    tenant, key = setup_tenant("bench-ingest")
    run = uuid.uuid4().hex[:8]
    # A realistic mix: each call sends ringing, answered, ended (the end event rings the fold
    # doorbell; the workers are not running in this phase, so only the API is measured).
    singles = [json.dumps(mixed(f"s{run}", i)).encode() for i in range(args.single)]
    fire(port, key, singles[:200], args.threads)  # warm up connections and workers
    pids = stack_pids(args.server_pid)
    split0 = cpu_split(pids)
    elapsed, accepted, errors = fire(port, key, singles[200:], args.threads)
    split = [
        1000 * (b - a) / max(1, accepted) for a, b in zip(split0, cpu_split(pids), strict=True)
    ]
    single_cpu_ms = sum(split)
    server, database, client = split
    print(
        f"single: CPU ms per event: server {server:.2f}, database {database:.2f}, client {client:.2f}"
    )
    single_rate = accepted / elapsed
    batches = [
        json.dumps([mixed(f"b{run}-{b}", i) for i in range(100)]).encode()
        for b in range(args.batches)
    ]
    cpu0 = cpu_used(pids)
    b_elapsed, b_accepted, b_errors = fire(port, key, batches, args.threads)
    batch_cpu_ms = 1000 * (cpu_used(pids) - cpu0) / max(1, b_accepted)
    return {
        "single_events_per_s": round(single_rate),
        "single_requests": len(singles) - 200,
        "single_errors": errors,
        "single_cpu_ms_per_event": round(single_cpu_ms, 2),
        "batched_cpu_ms_per_event": round(batch_cpu_ms, 3),
        "batched_events_per_s": round(b_accepted / b_elapsed),
        "batched_requests": len(batches),
        "batched_errors": b_errors,
        "tenant": tenant,
    }


class Analyzer(threading.Thread):
    """Stands in for autovacuum's ANALYZE where the server has autovacuum off (this machine):
    the tables the run fills get statistics every `every` seconds, as a production server keeps
    them. Without any, the planner takes a table that grew from empty for a few rows, and
    the run measures plans no production database would choose."""

    TABLES = ("calls_call", "calls_callevent", "calls_callactivity", "calls_syncrecord")

    def __init__(self, every: float = 5.0):
        super().__init__(daemon=True)
        self.halt, self.every, self.runs = threading.Event(), every, 0

    @staticmethod
    def needed() -> bool:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW autovacuum")
            return cursor.fetchone()[0] != "on"

    def run(self):
        from django.db import connection

        try:
            while not self.halt.wait(self.every):
                with connection.cursor() as cursor:
                    cursor.execute(f"ANALYZE {', '.join(self.TABLES)}")
                self.runs += 1
        finally:
            connection.close()

    def stop(self) -> int:
        self.halt.set()
        self.join(30)
        return self.runs


class LockSampler(threading.Thread):
    """Samples pg_stat_activity every 50 ms: of the database's active backends, how many wait
    on a lock (wait_event_type 'Lock': row, transaction, advisory...), per wait event."""

    def __init__(self):
        super().__init__(daemon=True)
        self.halt = threading.Event()
        self.active = 0
        self.waits: dict[str, int] = {}

    def run(self):
        from django.db import connection

        sql = (
            "SELECT wait_event_type, wait_event, count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND state = 'active' "
            "AND pid <> pg_backend_pid() GROUP BY 1, 2"
        )
        try:
            while not self.halt.wait(0.05):
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                    for kind, name, n in cursor.fetchall():
                        self.active += n
                        if kind == "Lock":
                            self.waits[name] = self.waits.get(name, 0) + n
        finally:
            connection.close()

    def stop(self) -> dict:
        self.halt.set()
        self.join(5)
        waiting = sum(self.waits.values())
        return {
            "lock_wait_share": round(waiting / max(1, self.active), 3),
            "lock_waits": dict(sorted(self.waits.items(), key=lambda kv: -kv[1])),
            "active_samples": self.active,
        }


def e2e_phase(port: int, args, n_workers: int) -> dict:

    from connectors.models import ConnectorAccount
    from connectors.services import save_account
    from simulators.salesforce import SalesforceSimulator

    tenant, key = setup_tenant("bench-e2e")
    sim = SalesforceSimulator(contacts=0, api_limit=10**9).start()
    settings, credentials = sim.account_settings()
    account = save_account(
        ConnectorAccount(tenant=tenant, kind="salesforce"),
        actor="bench",
        name="SF bench",
        settings=settings,
        credentials=credentials,
    )
    account.connector.authorize()
    sim.latency = 0.05
    before = len(sim.requests)
    workers = start_workers(n_workers, args.concurrency)
    try:
        return _e2e_run(port, args, n_workers, tenant, key, sim, account, before)
    finally:
        stop(workers)
        sim.stop()


def _e2e_run(port, args, n_workers, tenant, key, sim, account, before) -> dict:
    from django.db.models import Count

    from delivery.models import SyncRecord

    time.sleep(3)  # let the workers connect to the broker
    sampler = LockSampler()
    sampler.start()
    analyzer = Analyzer() if args.analyze and Analyzer.needed() else None
    if analyzer:
        analyzer.start()
    run = uuid.uuid4().hex[:8]
    per = 1000
    bodies = [
        json.dumps(
            [event(f"e{run}-{j}", "ended", j) for j in range(b, min(b + per, args.calls))]
        ).encode()
        for b in range(0, args.calls, per)
    ]
    start = time.perf_counter()
    _elapsed, accepted, errors = fire(port, key, bodies, 4)
    ingest_s = time.perf_counter() - start
    synced = 0
    while time.perf_counter() - start < args.timeout:
        synced = (
            SyncRecord.objects.for_tenant(account.tenant_id)
            .filter(connector=account, state="synced")
            .count()
        )
        if synced >= args.calls:
            break
        time.sleep(0.25)
    elapsed = time.perf_counter() - start
    locks = sampler.stop()
    # The wrap-ups, after every call was logged: each one updates a synced CRM record.
    after_logs = len(sim.requests)
    wrap_bodies = [
        json.dumps([wrapup(f"e{run}-{j}", j) for j in range(b, min(b + per, args.calls))]).encode()
        for b in range(0, args.calls, per)
    ]
    wrap_start = time.perf_counter()
    _elapsed, wrap_accepted, wrap_errors = fire(port, key, wrap_bodies, 4)
    updated = 0
    while time.perf_counter() - wrap_start < args.timeout:
        updated = (
            SyncRecord.objects.for_tenant(account.tenant_id)
            .filter(connector=account, state="synced", last_action="updated")
            .count()
        )
        if updated >= args.calls:
            break
        time.sleep(0.25)
    wrap_elapsed = time.perf_counter() - wrap_start
    time.sleep(1)  # anything still in flight is counted too
    analyze_runs = analyzer.stop() if analyzer else 0
    update_requests = len(sim.requests) - after_logs
    kinds = request_kinds(sim.requests[after_logs:])
    log_kinds = request_kinds(sim.requests[before:after_logs])
    with_disposition = sum(1 for t in sim.tasks.values() if t.get("CallDisposition"))
    states = dict(
        SyncRecord.objects.for_tenant(account.tenant_id)
        .filter(connector=account)
        .values_list("state")
        .annotate(n=Count("id"))
    )
    crm_requests = after_logs - before
    return {
        "workers": n_workers,
        "concurrency": args.concurrency,
        "analyze_runs": analyze_runs,
        **locks,
        "wrapup_events": wrap_accepted,
        "wrapup_errors": wrap_errors,
        "updated": updated,
        "update_seconds": round(wrap_elapsed, 2),
        "update_requests": update_requests,
        "update_requests_per_100_calls": round(100 * update_requests / max(1, args.calls), 2),
        "tasks_with_disposition": with_disposition,
        "update_request_kinds": kinds,
        "calls": args.calls,
        "accepted_events": accepted,
        "ingest_errors": errors,
        "ingest_seconds": round(ingest_s, 2),
        "synced": synced,
        "states": states,
        "elapsed_seconds": round(elapsed, 2),
        "crm_requests": crm_requests,
        "crm_requests_per_100_calls": round(100 * crm_requests / max(1, synced), 2),
        "crm_request_kinds": log_kinds,
        "tasks_in_simulator": len(sim.tasks),
        "tenant": tenant,
    }


def request_kinds(requests) -> dict[str, int]:
    """CRM requests by method and path without the last segment ("PATCH .../sobjects/Task")."""
    kinds: dict[str, int] = {}
    for method, path in requests:
        shape = f"{method} {path.split('?')[0].rsplit('/', 1)[0]}"
        kinds[shape] = kinds.get(shape, 0) + 1
    return kinds


# --- interactions (email, chat, SMS): POST /api/v1/interactions/ ---------------------------------


def interaction(prefix: str, i: int) -> dict:
    channel = ("email", "chat", "sms")[i % 3]
    address = f"c{i % 5000}@example.com" if channel == "email" else f"+42077{i % 10_000_000:07d}"
    return {
        "interaction_id": f"{prefix}-{i}",
        "channel": channel,
        "direction": "in",
        "address": address,
        "queue": "Support",
        "agent_email": "j.doe@acme.com",
        "started_at": "2026-11-20T10:00:05+01:00",
        "ended_at": "2026-11-20T10:09:00+01:00",
        "subject": "Refund",
        "body": "Where is my refund? " * 10,
    }


class InteractionClient(Client):
    """A Client that posts to the interactions endpoint."""

    path = "/api/v1/interactions/"


def fire_interactions(port: int, key: str, bodies: list[bytes], threads: int):
    clients = [InteractionClient(port, key, bodies[i::threads]) for i in range(threads)]
    start = time.perf_counter()
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    elapsed = time.perf_counter() - start
    return elapsed, sum(c.accepted for c in clients), sum(c.errors for c in clients)


def interactions_phase(port: int, args) -> dict:
    """Interactions per second, single and 100 per request (targets 500 / 3,000); the workers
    are not running, so only the API (validation + one upsert per request) is measured."""
    tenant, key = setup_tenant("bench-interactions")
    run = uuid.uuid4().hex[:8]
    singles = [json.dumps(interaction(f"s{run}", i)).encode() for i in range(args.single)]
    fire_interactions(port, key, singles[:200], args.threads)  # warm up
    pids = stack_pids(args.server_pid)
    cpu0 = cpu_used(pids)
    elapsed, accepted, errors = fire_interactions(port, key, singles[200:], args.threads)
    single_cpu_ms = 1000 * (cpu_used(pids) - cpu0) / max(1, accepted)
    batches = [
        json.dumps([interaction(f"b{run}-{b}", i) for i in range(100)]).encode()
        for b in range(args.batches)
    ]
    cpu0 = cpu_used(pids)
    b_elapsed, b_accepted, b_errors = fire_interactions(port, key, batches, args.threads)
    batch_cpu_ms = 1000 * (cpu_used(pids) - cpu0) / max(1, b_accepted)
    return {
        "single_cpu_ms": round(single_cpu_ms, 2),
        "batched_cpu_ms": round(batch_cpu_ms, 3),
        "single_per_s": round(accepted / elapsed),
        "single_errors": errors,
        "batched_per_s": round(b_accepted / b_elapsed),
        "batched_errors": b_errors,
        "tenant": tenant,
    }


def report_interactions(port: int, args) -> None:
    from portal.celery import app

    result = interactions_phase(port, args)
    app.control.purge()  # the decision doorbells are not part of the next phase
    result.pop("tenant").delete()
    print(
        f"interactions: single {result['single_per_s']}/s ({result['single_errors']} errors); "
        f"batched {result['batched_per_s']}/s ({result['batched_errors']} errors); "
        f"CPU per interaction (gunicorn + PostgreSQL + client): {result['single_cpu_ms']} ms "
        f"single, {result['batched_cpu_ms']} ms batched; targets 500 / 3,000; machine load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        flush=True,
    )


def report_e2e(result: dict) -> dict:
    result.pop("tenant").delete()
    print(
        f"end-to-end ({result['workers']} worker(s) x {result['concurrency']}): "
        f"{result['synced']}/{result['calls']} calls synced in "
        f"{result['elapsed_seconds']} s (ingest {result['ingest_seconds']} s), "
        f"{result['crm_requests']} CRM requests "
        f"({result['crm_requests_per_100_calls']} per 100 calls: {result['crm_request_kinds']}), "
        f"{result['tasks_in_simulator']} Tasks in the simulator, states {result['states']}; "
        f"lock waits {100 * result['lock_wait_share']:.0f}% of active backend samples "
        f"{result['lock_waits']}; ANALYZE runs standing in for autovacuum (off on this "
        f"server): {result['analyze_runs']}",
        flush=True,
    )
    print(
        f"wrap-ups: {result['wrapup_events']} accepted ({result['wrapup_errors']} errors), "
        f"{result['updated']}/{result['calls']} CRM records updated in "
        f"{result['update_seconds']} s with {result['update_requests']} extra CRM requests "
        f"({result['update_requests_per_100_calls']} per 100 calls; target <= 1: "
        f"{result['update_request_kinds']}), "
        f"{result['tasks_in_simulator']} Tasks in the simulator "
        f"({result['tasks_with_disposition']} with CallDisposition: written by the "
        "connector where it maps the wrap-up)",
        flush=True,
    )
    return result


def vacuum_call_tables() -> None:
    """VACUUM what a round deleted, as autovacuum would (this machine's server has it off):
    otherwise every round inserts into the dead rows and bloated indexes of the one before."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("calls_callevent", "calls_call", "calls_callday"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def serve(name: str, args) -> tuple[int, subprocess.Popen]:
    """Start the server `name` ("granian", or "gunicorn:4x4" for 4 workers x 4 threads)."""
    server_name, _, shape = name.partition(":")
    workers, threads = args.web_workers, args.web_threads
    if shape:
        workers, threads = (int(n) for n in shape.split("x"))
    port = free_port()
    server = start_server(port, workers, threads, server_name)
    args.server_pid = server.pid
    try:
        wait_http(port)
    except BaseException:
        stop([server])
        raise
    return port, server


def report_ingest(name: str, port: int, args) -> int:
    from portal.celery import app

    result = ingest_phase(port, args)
    app.control.purge()  # phase 1's fold doorbells are not part of phase 2
    result.pop("tenant").delete()
    vacuum_call_tables()
    shape = name if ":" in name else f"{name}:{args.web_workers}x{args.web_threads}"
    print(
        f"ingest ({shape}): "
        f"single {result['single_events_per_s']} events/s "
        f"({result['single_requests']} requests, {result['single_errors']} errors); "
        f"batched {result['batched_events_per_s']} events/s "
        f"({result['batched_requests']} x 100 events, {result['batched_errors']} errors); "
        f"CPU per event (web server + PostgreSQL + client): "
        f"{result['single_cpu_ms_per_event']} ms single, "
        f"{result['batched_cpu_ms_per_event']} ms batched; machine load "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    return result["single_events_per_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--single", type=int, default=6000, help="single-event requests")
    parser.add_argument("--batches", type=int, default=400, help="100-event requests")
    parser.add_argument("--threads", type=int, default=16, help="client threads")
    parser.add_argument(
        "--server",
        default="granian",
        help="web server: granian (as deploy/ runs it) or gunicorn, optionally with its shape "
        "(gunicorn:4x4 = 4 workers x 4 threads); a list (gunicorn:4x4,granian) runs the ingest "
        "phase once per server, alternating --rounds times",
    )
    parser.add_argument("--rounds", type=int, default=1, help="with several --server")
    parser.add_argument("--web-workers", "--gunicorn-workers", type=int, default=2)
    parser.add_argument("--web-threads", "--gunicorn-threads", type=int, default=4)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument(
        "--workers",
        default="1",
        help="celery worker processes; a list (1,2) runs the end-to-end phase once per count "
        "and prints the speed-up over the first",
    )
    parser.add_argument("--concurrency", type=int, default=4, help="pool size per worker")
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument(
        "--no-analyze",
        dest="analyze",
        action="store_false",
        help="where the server has autovacuum off, do not ANALYZE the call tables every 5 s "
        "during the end-to-end phase (the planner then works without statistics)",
    )
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--skip-interactions", action="store_true")
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (the benchmark's target).")
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        raise SystemExit("Set CELERY_BROKER_URL to a Redis URL (real Celery workers).")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from portal.celery import app

    app.control.purge()
    servers = [name.strip() for name in args.server.split(",") if name.strip()]
    if not args.skip_ingest:
        rates: dict[str, list[int]] = {name: [] for name in servers}
        for _ in range(args.rounds if len(servers) > 1 else 1):
            for name in servers:
                port, server = serve(name, args)
                try:
                    rates[name].append(report_ingest(name, port, args))
                finally:
                    stop([server])
        if len(servers) > 1:
            print(
                "servers, single events/s per round: "
                + "; ".join(f"{name} {rates[name]}" for name in servers)
                + "; mean "
                + ", ".join(f"{name} {sum(r) / len(r):.0f}" for name, r in rates.items()),
                flush=True,
            )
    if args.skip_interactions and args.skip_e2e:
        return
    port, server = serve(servers[-1], args)
    try:
        if not args.skip_interactions:
            report_interactions(port, args)
        if not args.skip_e2e:
            counts = [int(n) for n in str(args.workers).split(",") if n.strip()]
            runs = [report_e2e(e2e_phase(port, args, n)) for n in counts]
            if len(runs) > 1:
                base = runs[0]
                print(
                    "workers: "
                    + ", ".join(
                        f"{r['workers']} -> {r['elapsed_seconds']} s "
                        f"({base['elapsed_seconds'] / max(0.001, r['elapsed_seconds']):.2f}x, "
                        f"lock waits {100 * r['lock_wait_share']:.0f}% of active backends)"
                        for r in runs
                    )
                    + f" (target >= 1.7x with 2; machine load {os.getloadavg()[0]:.1f} on "
                    f"{os.cpu_count()} CPUs)",
                    flush=True,
                )
    finally:
        stop([server])


if __name__ == "__main__":
    main()
