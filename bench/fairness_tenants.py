"""`bench/fairness.py --tenants N`: fairness with many tenants and many backlogged connectors.

N tenants, each with its own Salesforce connector; `--backlogged` (50) of them point at one
simulator that turns bad (run "429": every request answers 429 with Retry-After; run "slow":
`--slow` s per request), the others at one healthy simulator (50 ms per request). A probe
stream posts one ended call every `--interval` s, each time for the next healthy tenant
(round robin), and measures POST sent -> the outbox row's synced_at:
1. idle system: the probe stream alone for `--seconds`;
2. each backlogged tenant posts `--a-calls` calls; once all are decided, the probe stream again
   while the backlog is worked on;
3. the bad CRM recovers: wait until every backlogged call is synced, count Tasks (each once).
Target: the probes' p95 with the backlog within 1 s of the idle p95.
"""

import time
import uuid

from fairness import pct, post, wait_until
from ingest import connect, event, setup_tenant


def connector_on(sim, slug: str):
    from connectors.models import ConnectorAccount
    from connectors.services import save_account

    tenant, key = setup_tenant(slug)
    settings, credentials = sim.account_settings()
    account = save_account(
        ConnectorAccount(tenant=tenant, kind="salesforce"),
        actor="bench",
        name=f"SF {slug}",
        settings=settings,
        credentials=credentials,
    )
    account.connector.authorize()
    return tenant, key, account


def probe(port, healthy, prefix: str, seconds: float, interval: float, base: int) -> dict:
    """call_id -> (connector id, wall time the POST was sent), round robin over `healthy`."""
    conn, sent, start, i = connect(port), {}, time.monotonic(), 0
    while time.monotonic() - start < seconds:
        _tenant, key, account = healthy[i % len(healthy)]
        call_id = f"{prefix}-{i}"
        sent[call_id] = (account.pk, time.time())
        post(conn, key, event(call_id, "ended", base + i))
        i += 1
        time.sleep(max(0.0, start + i * interval - time.monotonic()))
    conn.close()
    return sent


def latencies(sent: dict, timeout: float = 90) -> tuple[list[float], int]:
    from delivery.models import SyncRecord

    connectors = {c for c, _ in sent.values()}
    deadline, rows = time.time() + timeout, {}
    while True:
        rows = dict(
            SyncRecord.objects.unscoped()  # the bench: the probes of every healthy tenant
            .filter(connector_id__in=connectors, call__call_id__in=list(sent))
            .exclude(synced_at=None)
            .values_list("call__call_id", "synced_at")
        )
        if len(rows) == len(sent) or time.time() > deadline:
            break
        time.sleep(0.5)
    found = sorted(rows[c].timestamp() - t for c, (_, t) in sent.items() if c in rows)
    return found, len(sent) - len(rows)


def count(connector_ids, **filters) -> int:
    from delivery.models import SyncRecord

    rows = SyncRecord.objects.unscoped().filter(connector_id__in=connector_ids, **filters)
    return rows.count()


def one_run(mode: str, port: int, args) -> dict:
    from simulators.salesforce import SalesforceSimulator

    run = f"{mode}-{uuid.uuid4().hex[:6]}"
    bad = SalesforceSimulator(contacts=0, api_limit=10**9).start()
    good = SalesforceSimulator(contacts=0, api_limit=10**9).start()
    made, backlogged, healthy = [], [], []
    try:
        setup = time.monotonic()
        for i in range(args.tenants):
            sim = bad if i < args.backlogged else good
            entry = connector_on(sim, f"fair-{run}-{i}")
            made.append(entry[0])
            (backlogged if i < args.backlogged else healthy).append(entry)
        setup_s = time.monotonic() - setup
        good.latency = 0.05
        probe(port, healthy, f"warm-{run}", 3, args.interval, 90_000)
        alone = probe(port, healthy, f"alone-{run}", args.seconds, args.interval, 20_000)
        lat_alone, missing_alone = latencies(alone)
        if mode == "429":
            bad.rate_limit(retry_after=args.retry_after)
        else:
            bad.latency = args.slow
        started = time.monotonic()
        conn = connect(port)
        for n, (_tenant, key, _account) in enumerate(backlogged):
            calls = [event(f"a-{run}-{n}-{j}", "ended", j) for j in range(args.a_calls)]
            for b in range(0, len(calls), 1000):
                post(conn, key, calls[b : b + 1000])
        conn.close()
        bad_ids = [a.pk for _t, _k, a in backlogged]
        total = args.a_calls * len(backlogged)
        if not wait_until(lambda: count(bad_ids) >= total, 600):
            raise SystemExit("the backlogged calls were not all decided in 10 minutes")
        queued_s = time.monotonic() - started
        backlog_start = total - count(bad_ids, state="synced")
        bad.max_in_flight, requests_bad, throttled = 0, len(bad.requests), bad.throttled
        loaded = probe(port, healthy, f"loaded-{run}", args.seconds, args.interval, 50_000)
        window = {
            "backlog_end": total - count(bad_ids, state="synced"),
            "a_requests": len(bad.requests) - requests_bad,
            "a_429": bad.throttled - throttled,
            "a_max_in_flight": bad.max_in_flight,
        }
        lat_loaded, missing_loaded = latencies(loaded)
        bad.rate_limit(None)
        bad.latency = 0.0
        recovered = time.monotonic()
        done = wait_until(lambda: count(bad_ids, state="synced") >= total, args.recover_timeout)
        return {
            "mode": mode,
            "setup_s": setup_s,
            "total": total,
            "alone": lat_alone,
            "missing_alone": missing_alone,
            "loaded": lat_loaded,
            "missing_loaded": missing_loaded,
            "queued_s": queued_s,
            "backlog_start": backlog_start,
            **window,
            "a_synced": count(bad_ids, state="synced"),
            "a_dead": count(bad_ids, state="dead"),
            "a_done": done,
            "recover_s": time.monotonic() - recovered,
            "a_tasks": len(bad.tasks),
            "a_duplicates": len(bad.store.records["Task"]) - len(bad.tasks),
            "b_duplicates": len(good.store.records["Task"]) - len(good.tasks),
        }
    finally:
        bad.stop()
        good.stop()
        for tenant in made:
            tenant.delete()


def report(r: dict, args) -> None:
    a50, a95 = pct(r["alone"], 50), pct(r["alone"], 95)
    l50, l95 = pct(r["loaded"], 50), pct(r["loaded"], 95)
    what = (
        f"429 with Retry-After: {args.retry_after:g}"
        if r["mode"] == "429"
        else (f"{args.slow:g} s per request")
    )
    others = args.tenants - args.backlogged
    verdict = "PASS" if l95 - a95 <= 1.0 and not r["missing_loaded"] else "FAIL"
    print(
        f"\nrun {r['mode']}, {args.tenants} tenants (set up in {r['setup_s']:.0f} s): "
        f"{args.backlogged} backlogged ({what}; {r['total']} calls queued in "
        f"{r['queued_s']:.1f} s), {others} others probed round robin\n"
        f"  others, idle:       p50 {a50:.3f} s, p95 {a95:.3f} s "
        f"({len(r['alone'])} calls, {r['missing_alone']} not synced)\n"
        f"  others, backlogged: p50 {l50:.3f} s, p95 {l95:.3f} s "
        f"({len(r['loaded'])} calls, {r['missing_loaded']} not synced)"
        f"  -> p95 {l95 - a95:+.3f} s (target <= 1 s): {verdict}\n"
        f"  backlogged during the window: {r['backlog_start']} -> {r['backlog_end']} to go, "
        f"{r['a_requests']} CRM requests ({r['a_429']} answered 429), at most "
        f"{r['a_max_in_flight']} at once\n"
        f"  after recovery: {r['a_synced']}/{r['total']} synced in {r['recover_s']:.1f} s "
        f"({'all delivered' if r['a_done'] else 'NOT all delivered'}), {r['a_tasks']} Tasks, "
        f"duplicates {r['a_duplicates']}, dead {r['a_dead']}; others' duplicates "
        f"{r['b_duplicates']}",
        flush=True,
    )
