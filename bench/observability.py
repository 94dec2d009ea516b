"""Benchmark: the cost of metrics + JSON logs, measured off and on in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ccportal_calls \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/8 .venv/bin/python bench/observability.py

Runs bench/ingest.py (ingest phase) and bench/routing.py (100,000 contacts, paced load) in
alternation with observability off and on, --rounds times each:
- off: METRICS_ENABLED=false (no django-prometheus middleware or database wrapper), LOG_LEVEL=
  WARNING (no request or CRM-request lines);
- on: METRICS_ENABLED=true, LOG_FORMAT=json, LOG_LEVEL=INFO (one JSON `request` line per
  request, written to a file as a log shipper would read it), PROMETHEUS_MULTIPROC_DIR set
  (every process writes its values to files, as in production).
Prints each round's figures and the best of each mode. Target: on costs at most 10%.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INGEST = re.compile(
    r"single (\d+) events/s .*batched (\d+) events/s.*?([\d.]+) ms single, ([\d.]+) ms batched"
)
ROUTING = re.compile(r"latency p50 ([\d.]+) ms, p90 [\d.]+ ms, p99 ([\d.]+) ms")


def environment(mode: str, tmp: Path) -> dict:
    env = {**os.environ}
    if mode == "off":
        env.update(METRICS_ENABLED="false", LOG_LEVEL="WARNING")
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    else:
        metrics_dir = tmp / f"metrics-{os.urandom(4).hex()}"
        env.update(
            METRICS_ENABLED="true",
            LOG_FORMAT="json",
            LOG_LEVEL="INFO",
            PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        )
    return env


def run(script: list[str], mode: str, tmp: Path) -> tuple[str, int]:
    log = tmp / f"{Path(script[0]).stem}-{mode}.log"
    with open(log, "ab") as stderr:
        done = subprocess.run(
            [sys.executable, *script],
            cwd=ROOT,
            env=environment(mode, tmp),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    if done.returncode:
        tail = log.read_bytes()[-3000:].decode(errors="replace")
        raise SystemExit(f"{' '.join(script)} ({mode}) failed:\n{done.stdout[-2000:]}\n{tail}")
    out = done.stdout
    lines = sum(1 for line in log.read_bytes().splitlines() if line.startswith(b"{"))
    return out, lines


def ingest_round(results: dict, mode: str, tmp: Path, i: int) -> None:
    out, json_lines = run(["bench/ingest.py", "--skip-e2e"], mode, tmp)
    m = INGEST.search(out)
    if not m:
        raise SystemExit(f"no ingest figures in:\n{out}")
    single, batched, cpu_single, cpu_batched = m.groups()
    results[mode].setdefault("ingest", []).append(
        (int(single), int(batched), float(cpu_single), float(cpu_batched))
    )
    print(
        f"round {i + 1} {mode:3s} ingest: single {single} ev/s, batched {batched} "
        f"ev/s, CPU {cpu_single} / {cpu_batched} ms per event; "
        f"{json_lines} JSON log lines so far",
        flush=True,
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--skip-routing", action="store_true")
    p.add_argument("--skip-ingest", action="store_true")
    p.add_argument("--reuse", action="store_true", help="the routing database is loaded already")
    p.add_argument("--routing-contacts", type=int, default=100_000)
    p.add_argument("--routing-db-url", default="postgres://postgres@127.0.0.1:5432/ccportal_bench")
    args = p.parse_args()
    results: dict[str, dict[str, list]] = {"off": {}, "on": {}}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for i in range(args.rounds):
            for mode in ("off", "on") if i % 2 == 0 else ("on", "off"):
                if not args.skip_ingest:
                    ingest_round(results, mode, tmp, i)
                if args.skip_routing:
                    continue
                reuse = (
                    ["--reuse"]
                    if args.reuse or results["off"].get("routing") or results["on"].get("routing")
                    else []
                )
                routing = [
                    "bench/routing.py",
                    "--contacts",
                    str(args.routing_contacts),
                    "--duration",
                    "20",
                ]
                out, _ = run([*routing, *reuse, "--db-url", args.routing_db_url], mode, tmp)
                m = ROUTING.search(out)
                if not m:
                    raise SystemExit(f"no routing figures in:\n{out}")
                results[mode].setdefault("routing", []).append(tuple(map(float, m.groups())))
                print(f"round {i + 1} {mode:3s} routing: p50 {m[1]} ms, p99 {m[2]} ms", flush=True)
    off, on = results["off"], results["on"]

    def mean(rows, i):
        return sum(r[i] for r in rows) / len(rows)

    def change(key, i):
        o, n = mean(off[key], i), mean(on[key], i)
        return f"{o:.3g} -> {n:.3g} ({100 * (n / o - 1):+.1f}%)"

    # CPU per event (gunicorn + PostgreSQL + client) is the cost figure; events/s follows the
    # machine's other load more than the code.
    if "ingest" in off:
        print(
            f"\ningest, mean of {args.rounds} rounds: CPU ms per event single "
            f"{change('ingest', 2)}, batched {change('ingest', 3)}; events/s single "
            f"{change('ingest', 0)}, batched {change('ingest', 1)}"
        )
    if "routing" in off:
        print(
            f"routing, mean of {args.rounds} rounds: p50 ms {change('routing', 0)}, "
            f"p99 ms {change('routing', 1)}"
        )


if __name__ == "__main__":
    main()
