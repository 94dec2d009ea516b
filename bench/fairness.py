"""Benchmark: one tenant's CRM must not hold up another tenant's call logging (issue 11, point 4).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ccportal_bench \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/fairness.py

Real processes on PostgreSQL + Redis: gunicorn, ONE Celery worker with 4 slots on the realtime
queue (as in the issue's measurement), one on the bulk queue, one on the slow queue (probes,
first batches and slow CRMs: `--slow-slots`), and beat (the sweeper). Tenant A
and tenant B each have a Salesforce connector pointing at their own simulator (over HTTP).

Each run (`--runs 429 slow`):
1. B alone: B posts one ended call every 0.5 s through the call-events API to a 50 ms CRM, for
   `--seconds`; latency = POST sent -> the outbox row's `synced_at`.
2. A's CRM turns bad (run "429": every request answers 429 with `Retry-After: 5`; run "slow":
   2 s per request) and A posts 10,000 calls; once all are decided (queued in the outbox), B
   posts again for `--seconds` while A's backlog is worked on.
3. A's CRM recovers; the script waits until every one of A's calls is synced and counts Tasks
   in A's CRM: each call exactly once.
Prints B's p50/p95 alone vs with A loaded (target: p95 within 1 s of alone) and A's outcome.
`--tenants 200` (bench/fairness_tenants.py): 200 tenants, 50 of them backlogged at once.
"""

# Project modules are imported inside functions on purpose: a benchmark sets its environment
# (DATABASE_URL, worker processes) and calls django.setup() before any model may load.
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("CACHE_URL", os.environ.get("CELERY_BROKER_URL", ""))
os.environ.setdefault("OUTBOUND_ALLOWED_NETWORKS", "127.0.0.0/8")  # simulators on 127.0.0.1
os.environ["PYTHONPATH"] = str(ROOT)

from ingest import connect, event, free_port, setup_tenant, stop, wait_http  # noqa: E402

from bench.servers import web_command  # noqa: E402

LOG = open(os.devnull, "w")  # noqa: SIM115  (the processes' own output: --log to keep it)


def spawn(*args: str) -> subprocess.Popen:
    cmd = [str(BIN / args[0]), *args[1:]]
    return subprocess.Popen(cmd, cwd=ROOT, env=os.environ.copy(), stdout=LOG, stderr=LOG)


QUIET = ["-l", "warning", "--without-gossip", "--without-mingle", "--without-heartbeat"]


def worker(queue: str, slots: int, tag: str, nice: int = 0) -> subprocess.Popen:
    """A worker of one queue; `nice` lowers its CPU priority (the slow queue's, as deployed)."""
    cmd = [
        str(BIN / "celery"), "-A", "portal", "worker", "-Q", queue, "-c", str(slots), *QUIET,
        "-n", f"{queue}-{tag}@%h",
    ]  # fmt: skip
    if nice:
        cmd = ["nice", "-n", str(nice), *cmd]
    return subprocess.Popen(cmd, cwd=ROOT, env=os.environ.copy(), stdout=LOG, stderr=LOG)


def start_stack(port: int, slots: int, schedule: str, slow_slots: int) -> list[subprocess.Popen]:
    tag = uuid.uuid4().hex[:6]
    return [
        subprocess.Popen(
            web_command("gunicorn", port, 2, 4),
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=LOG,
            stderr=LOG,
        ),
        worker("realtime", slots, tag),
        worker("bulk", 1, tag),
        worker("slow", slow_slots, tag, nice=10),  # as Procfile / systemd run it
        spawn("celery", "-A", "portal", "beat", "-l", "warning", "-s", schedule),
    ]


def salesforce_tenant(slug: str, latency: float):
    from connectors.models import ConnectorAccount
    from connectors.services import save_account
    from simulators.salesforce import SalesforceSimulator

    tenant, key = setup_tenant(slug)
    sim = SalesforceSimulator(contacts=0, api_limit=10**9).start()
    settings, credentials = sim.account_settings()
    account = save_account(
        ConnectorAccount(tenant=tenant, kind="salesforce"),
        actor="bench",
        name=f"SF {slug}",
        settings=settings,
        credentials=credentials,
    )
    account.connector.authorize()
    sim.latency = latency
    return tenant, key, sim, account


def post(conn, key: str, body) -> None:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    conn.request("POST", "/api/v1/call-events/", json.dumps(body).encode(), headers)
    response = conn.getresponse()
    response.read()
    if response.status != 202:
        raise SystemExit(f"call-events answered {response.status}")


def stream_b(port, key, prefix: str, seconds: float, interval: float, base: int = 0) -> dict:
    """One ended call every `interval` s; returns call_id -> wall time the POST was sent.
    `base` shifts callers and times, so the two streams never look like duplicates."""
    conn, sent, start, i = connect(port), {}, time.monotonic(), 0
    while time.monotonic() - start < seconds:
        call_id = f"{prefix}-{i}"
        sent[call_id] = time.time()
        post(conn, key, event(call_id, "ended", base + i))
        i += 1
        time.sleep(max(0.0, start + i * interval - time.monotonic()))
    conn.close()
    return sent


def latencies(account, sent: dict, timeout: float = 60) -> tuple[list[float], int]:
    from delivery.models import SyncRecord

    deadline = time.time() + timeout
    while True:
        rows = dict(
            SyncRecord.objects.for_tenant(account.tenant_id)
            .filter(connector=account, call__call_id__in=list(sent))
            .exclude(synced_at=None)
            .values_list("call__call_id", "synced_at")
        )
        if len(rows) == len(sent) or time.time() > deadline:
            break
        time.sleep(0.5)
    return sorted(rows[c].timestamp() - t for c, t in sent.items() if c in rows), len(sent) - len(
        rows
    )


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("inf")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[p - 1]
        if len(values) > 1
        else values[0]
    )


def count(account, **filters) -> int:
    from delivery.models import SyncRecord

    return (
        SyncRecord.objects.for_tenant(account.tenant_id)
        .filter(connector=account, **filters)
        .count()
    )


def wait_until(predicate, timeout: float, step: float = 0.5) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def one_run(mode: str, port: int, args) -> dict:
    run = f"{mode}-{uuid.uuid4().hex[:6]}"
    tenant_a, key_a, sim_a, acct_a = salesforce_tenant(f"fair-a-{run}", 0.0)
    tenant_b, key_b, sim_b, acct_b = salesforce_tenant(f"fair-b-{run}", 0.05)
    try:
        stream_b(port, key_b, f"warm-{run}", 3, args.interval, base=90_000)  # warm up
        alone = stream_b(port, key_b, f"alone-{run}", args.seconds, args.interval, base=20_000)
        lat_alone, missing_alone = latencies(acct_b, alone)
        if mode == "429":
            sim_a.rate_limit(retry_after=args.retry_after)
        else:
            sim_a.latency = args.slow
        started = time.monotonic()
        conn = connect(port)
        for b in range(0, args.a_calls, 1000):
            post(
                conn,
                key_a,
                [event(f"a-{run}-{j}", "ended", j) for j in range(b, min(b + 1000, args.a_calls))],
            )
        conn.close()
        if not wait_until(lambda: count(acct_a) >= args.a_calls, 600):
            raise SystemExit("A's calls were not all decided in 10 minutes")
        queued_s = time.monotonic() - started
        backlog_start = args.a_calls - count(acct_a, state="synced")
        sim_a.max_in_flight, requests_a, throttled_a = 0, len(sim_a.requests), sim_a.throttled
        loaded = stream_b(port, key_b, f"loaded-{run}", args.seconds, args.interval, base=50_000)
        backlog_end = args.a_calls - count(acct_a, state="synced")
        window = {
            "a_requests": len(sim_a.requests) - requests_a,
            "a_429": sim_a.throttled - throttled_a,
            "a_max_in_flight": sim_a.max_in_flight,
        }
        lat_loaded, missing_loaded = latencies(acct_b, loaded)
        sim_a.rate_limit(None)
        sim_a.latency = 0.0
        recovered = time.monotonic()
        done = wait_until(
            lambda: count(acct_a, state="synced") >= args.a_calls, args.recover_timeout
        )
        recover_s = time.monotonic() - recovered
        tasks_a = sim_a.store.records["Task"]
        return {
            "mode": mode,
            "alone": lat_alone,
            "missing_alone": missing_alone,
            "loaded": lat_loaded,
            "missing_loaded": missing_loaded,
            "queued_s": queued_s,
            "backlog_start": backlog_start,
            "backlog_end": backlog_end,
            **window,
            "a_synced": count(acct_a, state="synced"),
            "a_dead": count(acct_a, state="dead"),
            "a_done": done,
            "recover_s": recover_s,
            "a_tasks": len(sim_a.tasks),
            "a_duplicates": len(tasks_a) - len(sim_a.tasks),
            "b_duplicates": len(sim_b.store.records["Task"]) - len(sim_b.tasks),
        }
    finally:
        sim_a.stop()
        sim_b.stop()
        tenant_a.delete()
        tenant_b.delete()


def report(r: dict, args) -> None:
    a50, a95 = pct(r["alone"], 50), pct(r["alone"], 95)
    l50, l95 = pct(r["loaded"], 50), pct(r["loaded"], 95)
    what = (
        f"429 with Retry-After: {args.retry_after:g}"
        if r["mode"] == "429"
        else f"{args.slow:g} s per request"
    )
    verdict = "PASS" if l95 - a95 <= 1.0 and not r["missing_loaded"] else "FAIL"
    print(
        f"\nrun {r['mode']} (A's CRM: {what}; {args.a_calls} of A's calls queued in {r['queued_s']:.1f} s)\n"
        f"  B alone:      p50 {a50:.3f} s, p95 {a95:.3f} s ({len(r['alone'])} calls, {r['missing_alone']} not synced)\n"
        f"  B, A loaded:  p50 {l50:.3f} s, p95 {l95:.3f} s ({len(r['loaded'])} calls, {r['missing_loaded']} not synced)"
        f"  -> p95 {l95 - a95:+.3f} s (target <= 1 s): {verdict}\n"
        f"  A during B's window: backlog {r['backlog_start']} -> {r['backlog_end']}, {r['a_requests']} CRM requests "
        f"({r['a_429']} answered 429), at most {r['a_max_in_flight']} at once (deliveries + its contact import)\n"
        f"  A after its CRM recovered: {r['a_synced']}/{args.a_calls} synced in {r['recover_s']:.1f} s "
        f"({'all delivered' if r['a_done'] else 'NOT all delivered'}), {r['a_tasks']} Tasks in A's CRM, "
        f"duplicates {r['a_duplicates']}, dead {r['a_dead']}; B duplicates {r['b_duplicates']}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", nargs="+", default=["429", "slow"], choices=["429", "slow"])
    parser.add_argument("--a-calls", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60, help="length of each B stream")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between B's calls")
    parser.add_argument("--retry-after", type=float, default=5)
    parser.add_argument("--slow", type=float, default=2.0, help="A's CRM seconds per request")
    parser.add_argument("--slots", type=int, default=4, help="realtime worker concurrency")
    parser.add_argument("--slow-slots", type=int, default=4, help="slow worker concurrency")
    parser.add_argument("--recover-timeout", type=float, default=600)
    parser.add_argument("--log", help="file for the output of gunicorn, workers and beat")
    parser.add_argument(
        "--tenants",
        type=int,
        default=0,
        help="many tenants (bench/fairness_tenants.py): --backlogged of them turn bad, the "
        "others are probed; --a-calls is then per backlogged tenant",
    )
    parser.add_argument("--backlogged", type=int, default=50)
    args = parser.parse_args()
    if args.tenants and args.a_calls == parser.get_default("a_calls"):
        args.a_calls = 200  # per backlogged tenant: 50 x 200 = 10,000 calls
    if args.log:
        global LOG
        LOG = open(args.log, "w")  # noqa: SIM115
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database.")
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        raise SystemExit("Set CELERY_BROKER_URL to a Redis URL (real Celery workers).")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # The many-tenants runs use this module's helpers (imported here, not at the top: no cycle).
    import fairness_tenants
    from django.core.cache import cache

    from portal.celery import app

    app.control.purge()
    cache.clear()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        procs = start_stack(port, args.slots, str(Path(tmp) / "beat-schedule"), args.slow_slots)
        try:
            wait_http(port)
            time.sleep(3)  # workers connect to the broker
            for mode in args.runs:
                if args.tenants:
                    fairness_tenants.report(fairness_tenants.one_run(mode, port, args), args)
                else:
                    report(one_run(mode, port, args), args)
        finally:
            stop(procs)
            app.control.purge()


if __name__ == "__main__":
    main()
