"""Benchmark: import N contacts from the Salesforce simulator through the real sync path.

    DATABASE_URL=postgres://... .venv/bin/python bench/contact_import.py --n 100000
    .venv/bin/python bench/contact_import.py --n 1000000

The simulator runs in a subprocess (its own CPU) and serves lazily generated contacts over real
HTTP; the portal side is the production code: a tenant + Salesforce connector (authorized with
the OAuth password flow), `start_contact_sync()` -> the Celery task (run eagerly here) -> paged
SOQL -> bulk upserts. Prints contacts/minute, peak RSS and phone-lookup latency (p50/p99 over
mixed formats: E.164, 00-prefixed, national with spaces, dashes, brackets).
"""

# Project modules are imported inside functions on purpose: a benchmark sets its environment
# (DATABASE_URL, worker processes) and calls django.setup() before any model may load.
import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

TENANT_SLUG = "bench-contacts"


def serve_simulator(n: int, page_size: int) -> None:
    """Child process: run the simulator until stdin closes."""
    import django

    django.setup()
    from simulators.salesforce import SalesforceSimulator

    sim = SalesforceSimulator(page_size=page_size, api_limit=10**9, contacts=0).start()
    sim.generate_contacts(n)
    print(sim.url, flush=True)
    sys.stdin.read()
    sim.stop()


def rss_mb() -> float:
    """Current resident set size (MB) from /proc."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def formats(i: int) -> list[str]:
    """One generated number (+420 700 000 000 + i) written the ways people type it."""
    national = f"{700_000_000 + i:09d}"
    a, b, c = national[:3], national[3:6], national[6:]
    return [
        f"+420{national}",
        f"00420{national}",
        f"{a} {b} {c}",
        f"+420 {a}-{b}-{c}",
        f"({a}) {b} {c}",
        national,
    ]


def drop_bench_tenant() -> None:
    """Remove a previous run's tenant; contacts first, in batches (memory stays flat)."""
    from contacts.importer import delete_contacts
    from contacts.models import Contact
    from tenants.models import Tenant

    for tenant in Tenant.objects.filter(slug=TENANT_SLUG):
        delete_contacts(Contact.objects.for_tenant(tenant))
        tenant.delete()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000, help="contacts to import")
    parser.add_argument("--page-size", type=int, default=2000, help="SOQL page size (max 2000)")
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the bench tenant afterwards")
    parser.add_argument(
        "--progress",
        type=int,
        default=0,
        metavar="EVERY",
        help="print a time split every EVERY contacts (bench/import_progress.py)",
    )
    parser.add_argument("--serve-sim", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_sim:
        return serve_simulator(args.n, args.page_size)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from connectors.models import ConnectorAccount
    from connectors.services import save_account
    from contacts.models import Contact
    from contacts.sync import start_contact_sync
    from jobs.models import Job
    from portal.celery import app
    from simulators.salesforce import SalesforceSimulator
    from tenants.models import Tenant

    if connection.vendor != "postgresql":
        print(f"warning: running on {connection.vendor}; the target is measured on PostgreSQL")
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True  # the task runs in this process: we measure it

    child = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve-sim",
            "--n",
            str(args.n),
            "--page-size",
            str(args.page_size),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = child.stdout.readline().strip()
        drop_bench_tenant()
        tenant = Tenant.objects.create(slug=TENANT_SLUG, name="Bench contacts", default_region="CZ")
        settings_, credentials = SalesforceSimulator.demo_account(url)
        account = save_account(
            ConnectorAccount(tenant=tenant, kind="salesforce"),
            actor="bench",
            name="Salesforce bench",
            settings=settings_,
            credentials=credentials,
        )
        account.connector.authorize()
        progress = None
        if args.progress:
            from bench.import_progress import Progress

            progress = Progress(child.pid, args.progress)
            progress.install()
            progress.start()
        rss_before = rss_mb()
        started = time.perf_counter()
        job, _ = start_contact_sync(account)
        elapsed = time.perf_counter() - started
        job = Job.objects.for_tenant(job.tenant_id).get(pk=job.pk)
        imported = Contact.objects.for_tenant(tenant).count()
        if job.status != "succeeded" or imported != args.n:
            sys.exit(f"import failed: job {job.status} {job.error!r}, {imported}/{args.n} contacts")
        rate = imported / elapsed * 60

        rnd = random.Random(7)
        region = tenant.default_region
        qs = Contact.objects.for_tenant(tenant)
        timings, misses = [], 0
        for _ in range(args.lookups):
            i = rnd.randrange(args.n)
            phone = rnd.choice(formats(i))
            t0 = time.perf_counter()
            found = list(qs.by_phone(phone, region).values_list("crm_id", flat=True))
            timings.append((time.perf_counter() - t0) * 1000)
            misses += not found
        timings.sort()
        p50 = statistics.median(timings)
        p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]

        print(f"contacts imported     {imported:,} in {elapsed:.1f} s")
        print(f"rate                  {rate:,.0f} contacts/minute (target >= 100,000)")
        print(f"RSS before import     {rss_before:.0f} MB")
        print(f"RSS after import      {rss_mb():.0f} MB")
        print(f"peak RSS              {peak_rss_mb():.0f} MB")
        print(
            f"phone lookups         {args.lookups} mixed formats: p50 {p50:.2f} ms, "
            f"p99 {p99:.2f} ms, misses {misses}"
        )
        if not args.keep:
            drop_bench_tenant()
    finally:
        child.stdin.close()
        child.wait(timeout=30)


if __name__ == "__main__":
    main()
