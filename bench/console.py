"""Benchmark: the audit console (calls and contacts lists, dashboard, CSV) at a million rows.

    .venv/bin/python bench/console.py                         # 1,000,000 calls, 2,000,000 contacts
    .venv/bin/python bench/console.py --calls 200000 --contacts 400000
    .venv/bin/python bench/console.py --reuse                 # keep the loaded database (migrated)

1. (Re)creates its own PostgreSQL database (--db-url, default ccportal_bench_console), migrates
   it and loads one tenant's calls (with a sync record each, a second agent leg on a fifth of
   them) and contacts with COPY, then counts the dashboard's daily rollup (rollup_calls).
2. Times every console page and list endpoint in-process (Django's test client: middleware,
   views, templates and SQL, no HTTP socket), --runs times each after a warm-up: median, p95,
   this process's CPU time (median) and the SQL queries per request. The database runs with
   random_page_cost = --random-page-cost (1.1: data in RAM or on SSD, docs/operations.md). "last" is the last page, reached by cursor (what the
   Older / next links lead to); "page=N" is the old OFFSET link, kept for old clients.
3. Streams the CSV export of the --csv-calls newest calls: first byte, total, peak RSS growth.
Targets: each under 150 ms, page 1 and the last page within 1.5x, the dashboard under 100 ms,
name search under 50 ms, CSV of 200,000 calls first byte < 1 s, total < 20 s, flat memory.
"""

# Project modules are imported inside functions on purpose: a benchmark sets its environment
# (DATABASE_URL) and calls django.setup() before any model may load.
import argparse
import json
import os
import random
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.routing import contact_columns, copy_rows, create_database  # noqa: E402

QUEUES = [f"+42022621{q:04d}" for q in range(20)]
STATUSES = ["answered"] * 7 + ["missed", "abandoned", "busy"]
AGENTS = 200
DAYS = 60
FIRST = ["Jan", "Petr", "Eva", "Jana", "Tomas", "Lucie", "Martin", "Anna", "Pavel", "Marie"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calls", type=int, default=1_000_000)
    p.add_argument("--contacts", type=int, default=2_000_000)
    p.add_argument("--csv-calls", type=int, default=200_000)
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--reuse", action="store_true", help="keep a loaded database")
    p.add_argument("--random-page-cost", type=float, default=1.1)
    p.add_argument(
        "--db-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ccportal_bench_console"
        ),
    )
    return p.parse_args()


def setup_env(args):
    from cryptography.fernet import Fernet

    os.environ.update(
        DATABASE_URL=args.db_url + "?conn_max_age=600",
        DEBUG="false",
        SECURE_COOKIES="false",
        SECRET_KEY=secrets.token_urlsafe(40),
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        CELERY_BROKER_URL="memory://",
        API_THROTTLE_RATE="1000000/min",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="portal.settings",
    )


def surname(i: int) -> str:
    """3,000 surnames, a few common (Zipf-like): searching one finds ~0.03% .. 3%."""
    k = int(3000 ** random.Random(i).random()) - 1
    return f"Novak{k}" if k < 10 else f"Dvorak{k}"


def load(args):
    from django.core.management import call_command
    from django.db import connection, transaction

    from calls.models import Call, CallActivity
    from connectors.models import ConnectorAccount
    from contacts.models import Contact
    from delivery.models import SyncRecord
    from tenants.models import Tenant

    t0 = time.monotonic()
    call_command("migrate", verbosity=0)
    tenant = Tenant.objects.create(slug="console", name="Console", default_region="CZ")
    conns = [
        ConnectorAccount.objects.create(tenant=tenant, kind="salesforce", name=n, settings={})
        for n in ("Sales org", "Service org")
    ]
    now = datetime.now(UTC).replace(microsecond=0)
    rnd = random.Random(5)
    step = DAYS * 86400 / max(args.calls, 1)

    def common(model, given):
        return tuple(given.get(n, d) for n, d in contact_columns(model))

    call_cols = contact_columns(Call)

    def calls():
        for i in range(1, args.calls + 1):
            start = now - timedelta(seconds=int(i * step))
            caller = f"+420{600_000_000 + rnd.randrange(200_000)}"
            given = {
                "id": i,
                "tenant": tenant.pk,
                "call_id": f"c{i}",
                "direction": "in",
                "caller": caller,
                "callee": QUEUES[i % 20],
                "caller_e164": caller,
                "callee_e164": QUEUES[i % 20],
                "caller_tail": caller[-9:],
                "callee_tail": QUEUES[i % 20][-9:],
                "phone_e164": caller,
                "queue": QUEUES[i % 20],
                "status": STATUSES[i % 10],
                "agent_id": f"a{i % AGENTS}",
                "agent_email": f"agent{i % AGENTS}@console.test",
                "started_at": start.isoformat(),
                "ended_at": (start + timedelta(seconds=90)).isoformat(),
                "duration_seconds": 90,
                "ended": "t",
                "decided_at": start.isoformat(),
                "tags": "[]",
            }
            yield tuple(given.get(n, d) for n, d in call_cols)

    def states(i):
        r = i % 100
        return "skipped" if r < 15 else "dead" if r == 99 else "failed" if r == 98 else "synced"

    def records():
        for i in range(1, args.calls + 1):
            yield common(
                SyncRecord,
                {
                    "id": i,
                    "tenant": tenant.pk,
                    "connector": conns[i % 2].pk,
                    "kind": "call_log",
                    "key": f"cc-{tenant.pk}-c{i}",
                    "call": i,
                    "state": states(i),
                    "reason": "min_duration" if states(i) == "skipped" else "",
                },
            )

    def legs():
        for i in range(1, args.calls + 1, 5):
            yield common(
                CallActivity,
                {
                    "id": i,
                    "tenant": tenant.pk,
                    "call": i,
                    "activity_id": f"l{i}",
                    "agent_email": f"agent{(i * 7) % AGENTS}@console.test",
                },
            )

    def contacts():
        for i in range(1, args.contacts + 1):
            yield common(
                Contact,
                {
                    "id": i,
                    "tenant": tenant.pk,
                    "connector": conns[i % 2].pk,
                    "type": ("contact", "contact", "lead", "account")[i % 4],
                    "crm_id": f"003B{i:012d}",
                    "first_name": FIRST[i % 10],
                    "last_name": surname(i),
                    "email": f"p{i}@firm{i % 997}.test",
                    "phones": json.dumps([f"+420{700_000_000 + i}"]),
                },
            )

    with transaction.atomic(), connection.cursor() as cur:
        raw = connection.connection
        for model, rows, what in (
            (Call, calls(), "calls"),
            (SyncRecord, records(), "sync records"),
            (CallActivity, legs(), "agent legs"),
            (Contact, contacts(), "contacts"),
        ):
            t = time.monotonic()
            copy_rows(raw.cursor(), model, rows, [n for n, _ in contact_columns(model)])
            table = model._meta.db_table
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
            print(f"  {what} copied in {time.monotonic() - t:.0f} s", flush=True)
    with connection.cursor() as cur:
        for model in (Call, SyncRecord, CallActivity, Contact):
            cur.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    t = time.monotonic()
    call_command("rollup_calls", verbosity=0)
    print(f"  rollup counted in {time.monotonic() - t:.1f} s", flush=True)
    print(f"  loaded in {time.monotonic() - t0:.0f} s", flush=True)


class Timer:
    """Runs a request `runs` times after a warm-up: median, p95 (ms) and queries per request."""

    def __init__(self, runs):
        from django.db import connection

        self.runs, self.connection, self.queries = runs, connection, 0

    def _count(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)

    def time(self, call):
        call()  # warm-up (plans cached by the OS page cache, not by Django)
        times, cpu = [], []
        with self.connection.execute_wrapper(self._count):
            self.queries = 0
            for _ in range(self.runs):
                t, c = time.perf_counter(), time.process_time()
                response = call()
                times.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
                assert response.status_code == 200, (response.status_code, response.content[:300])
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        return statistics.median(times), p95, statistics.median(cpu), self.queries / self.runs


def set_page_cost(args):
    import psycopg

    name = args.db_url.rsplit("/", 1)[1]
    with psycopg.connect(args.db_url, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET random_page_cost = {args.random_page_cost}')


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main():
    args = parse_args()
    setup_env(args)
    new = create_database(args, drop=not args.reuse)
    set_page_cost(args)
    import django

    django.setup()
    if not new:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # a reused database gets the new indexes
    from django.contrib.auth import get_user_model
    from django.test import Client

    from calls.filters import CALLS_KEYSET
    from calls.models import Call
    from connectors.models import ConnectorAccount
    from contacts.filters import CONTACTS_KEYSET
    from contacts.models import Contact
    from tenants.models import ApiKey, Membership, Tenant

    if new:
        print(f"loading {args.calls:,} calls and {args.contacts:,} contacts ...", flush=True)
        load(args)
    tenant = Tenant.objects.get(slug="console")
    user, _ = get_user_model().objects.get_or_create(username="bench-viewer")
    Membership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": "viewer"})
    page = Client()
    page.force_login(user)
    key = ApiKey.issue(tenant, "console bench")[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    n_calls = Call.objects.for_tenant(tenant).count()
    n_contacts = Contact.objects.for_tenant(tenant).count()
    print(f"{n_calls:,} calls, {n_contacts:,} contacts in one tenant; {args.runs} runs each")

    def last_cursor(qs, keyset):
        """The cursor of the last page: what following next / Older leads to."""
        row = qs.order_by(*keyset.ordering(reverse=True))[50:51].get()
        return keyset.encode(row, "n")

    calls_last = last_cursor(Call.objects.for_tenant(tenant), CALLS_KEYSET)
    contacts_last = last_cursor(Contact.objects.for_tenant(tenant), CONTACTS_KEYSET)
    some = Call.objects.for_tenant(tenant).order_by("-id")[n_calls // 2]
    day = some.started_at.date().isoformat()
    connector = str(ConnectorAccount.objects.for_tenant(tenant).order_by("pk").first().pk)
    late_page = str(max(1, n_calls // 50 - 1))
    common_next = api.get("/api/v1/contacts/", {"q": "Novak3"}).json()["next"] or "cursor="
    common_2 = common_next.split("cursor=")[1].split("&")[0]  # page 2 of the common name
    checks = [
        ("page", "/calls/", {}),
        ("page", "/calls/ last", {"cursor": calls_last}),
        ("page", "/calls/ ?page=N (OFFSET)", {"page": late_page}),
        ("page", "/calls/ agent_email", {"agent_email": "AGENT7@console.test"}),
        ("page", "/calls/ queue", {"queue": QUEUES[3]}),
        ("page", "/calls/ status=busy", {"status": "busy"}),
        ("page", "/calls/ sync_state=skipped", {"sync_state": "skipped"}),
        ("page", "/calls/ sync_state=dead", {"sync_state": "dead"}),
        ("page", "/calls/ connector", {"connector": connector}),
        ("page", "/calls/ phone", {"phone": some.caller}),
        ("page", "/calls/ since+until (a day)", {"since": day, "until": day}),
        ("page", "/calls/dashboard/", {}),
        ("api", "/api/v1/calls/", {}),
        ("api", "/api/v1/calls/ last", {"cursor": calls_last}),
        ("api", "/api/v1/calls/ page_size=500", {"page_size": "500"}),
        ("api", "/api/v1/calls/ agent_email", {"agent_email": "agent7@console.test"}),
        ("api", "/api/v1/calls/ sync_state=skipped", {"sync_state": "skipped"}),
        ("api", "/api/v1/calls/ sync_state=dead", {"sync_state": "dead"}),
        ("api", "/api/v1/calls/ phone", {"phone": some.caller}),
        ("page", "/contacts/", {}),
        ("page", "/contacts/ last", {"cursor": contacts_last}),
        ("page", "/contacts/ q=surname", {"q": "Dvorak1234"}),
        ("page", "/contacts/ q=common name", {"q": "Novak3"}),
        ("page", "/contacts/ q=common name, page 2", {"q": "Novak3", "cursor": common_2}),
        ("page", "/contacts/ q=nothing", {"q": "Zzyzx"}),
        ("page", "/contacts/ q=email", {"q": "p12345@firm"}),
        ("page", "/contacts/ type=lead", {"type": "lead"}),
        ("page", "/contacts/ connector", {"connector": connector}),
        ("api", "/api/v1/contacts/", {}),
        ("api", "/api/v1/contacts/ last", {"cursor": contacts_last}),
        ("api", "/api/v1/contacts/ q=surname", {"q": "Dvorak1234"}),
        ("api", "/api/v1/contacts/ q=common name", {"q": "Novak3"}),
        ("api", "/api/v1/contacts/ q=common name, page 2", {"q": "Novak3", "cursor": common_2}),
        ("api", "/api/v1/contacts/ q=nothing", {"q": "Zzyzx"}),
        ("api", "/api/v1/contacts/ q=email", {"q": "p12345@firm"}),
        ("api", "/api/v1/contacts/ email", {"email": "p12345@firm345.test"}),
    ]
    timer = Timer(args.runs)
    results = {}
    print(f"load average {loadavg()}; random_page_cost {args.random_page_cost}")
    print(f"{'request':44} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>7} {'queries':>8}")
    for kind, label, params in checks:
        client = page if kind == "page" else api
        path = label.split(" ")[0]
        med, p95, cpu, q = timer.time(lambda c=client, p=path, d=params: c.get(p, d))
        results[label] = (med, p95, q)
        print(f"{label:44} {med:10.1f} {p95:8.1f} {cpu:7.1f} {q:8.1f}", flush=True)

    # CSV: the --csv-calls newest calls (a since filter selecting about that many)
    edge = Call.objects.for_tenant(tenant).order_by("-started_at", "-id")
    since = edge[min(args.csv_calls, n_calls) - 1].started_at.isoformat()
    rss0 = rss_mb()
    peak, size, rows, first = rss0, 0, 0, None
    t = time.perf_counter()
    response = page.get("/calls/", {"export": "csv", "since": since})
    for chunk in response.streaming_content:
        if first is None:
            first = time.perf_counter() - t
        size += len(chunk)
        rows += chunk.count(b"\n")
        peak = max(peak, rss_mb())
    total = time.perf_counter() - t
    print(
        f"CSV export: {rows - 1:,} calls, {size / 2**20:.0f} MB: first byte {first * 1000:.0f} ms, "
        f"total {total:.1f} s, RSS +{peak - rss0:.0f} MB (start {rss0:.0f} MB)"
    )
    ratio = lambda a, b: results[a][0] / results[b][0]  # noqa: E731
    print(
        f"last page / page 1: calls page {ratio('/calls/ last', '/calls/'):.2f}x, calls API "
        f"{ratio('/api/v1/calls/ last', '/api/v1/calls/'):.2f}x, contacts page "
        f"{ratio('/contacts/ last', '/contacts/'):.2f}x, contacts API "
        f"{ratio('/api/v1/contacts/ last', '/api/v1/contacts/'):.2f}x"
    )
    slow = [k for k, (m, _p, _q) in results.items() if m > 150 and "OFFSET" not in k]
    print("over 150 ms:", ", ".join(slow) or "none")
    print(f"load average at the end {loadavg()}")


if __name__ == "__main__":
    main()
