"""Benchmark: the hot queries with client-side binding vs server-side binding vs prepared
statements (portal/settings.py DB_SERVER_SIDE_BINDING, DB_PREPARE_THRESHOLD), with the pool.

    DATABASE_URL=postgres://... .venv/bin/python bench/db_binding.py --contacts 200000

Loads --contacts contacts (with phones) into one tenant once, then, per configuration, in a
fresh process (the settings are read at start-up): the API-key lookup (tenants/auth.py) and the
phone lookup the routing endpoint runs (Contact.objects.by_phone), each --n times over one
connection, the ORM building the SQL as in production. Prints microseconds per query
(median of --rounds) and the ratio to client-side binding.
"""

# Project modules are imported inside functions on purpose: settings come from the environment.
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
SLUG = "bench-binding"
CONFIGS = [
    ("client-side binding (Django's default)", {"DB_SERVER_SIDE_BINDING": "false"}),
    ("server-side, not prepared", {"DB_SERVER_SIDE_BINDING": "true", "DB_PREPARE_THRESHOLD": ""}),
    (
        "server-side, prepared (threshold 5)",
        {"DB_SERVER_SIDE_BINDING": "true", "DB_PREPARE_THRESHOLD": "5"},
    ),
    (
        "client-side + prepare_threshold 5",
        {"DB_SERVER_SIDE_BINDING": "false", "DB_PREPARE_THRESHOLD": "5"},
    ),
]


def load(n: int) -> None:
    import django

    django.setup()
    from connectors.models import ConnectorAccount
    from contacts.importer import delete_contacts
    from contacts.models import Contact, ContactPhone
    from contacts.phones import stored_row
    from tenants.models import ApiKey, Tenant

    tenant = Tenant.objects.filter(slug=SLUG).first()
    if tenant and Contact.objects.for_tenant(tenant).count() == n:
        return
    if tenant:
        delete_contacts(Contact.objects.for_tenant(tenant))
        tenant.delete()
    tenant = Tenant.objects.create(slug=SLUG, name="Bench binding", default_region="CZ")
    ApiKey.objects.create(tenant=tenant, name="b", prefix="cck_bench", key_hash="0" * 64)
    account = ConnectorAccount.objects.create(tenant=tenant, kind="salesforce", name="sf")
    for start in range(0, n, 5000):
        contacts = Contact.objects.bulk_create(
            Contact(tenant=tenant, connector=account, crm_id=str(i), last_name=f"N{i}")
            for i in range(start, min(n, start + 5000))
        )
        ContactPhone.objects.bulk_create(
            ContactPhone(
                tenant=tenant, contact=c, raw=row[0], e164=row[1], tail=row[2], valid=row[3]
            )
            for c in contacts
            for row in [stored_row(f"+420{700_000_000 + int(c.crm_id)}", "CZ")]
        )


def measure(n: int, rounds: int) -> dict:
    """All configurations in this one process, one connection alias each, interleaved round by
    round (a busy machine slows them alike)."""
    import django
    from django.conf import settings

    default = settings.DATABASES["default"]
    for i, (_name, env) in enumerate(CONFIGS):
        options = {k: v for k, v in default.get("OPTIONS", {}).items() if k != "pool"}
        options["server_side_binding"] = env["DB_SERVER_SIDE_BINDING"] == "true"
        threshold = env.get("DB_PREPARE_THRESHOLD", "")
        options["prepare_threshold"] = int(threshold) if threshold else None
        settings.DATABASES[f"c{i}"] = {**default, "OPTIONS": options}
    django.setup()
    from django.db import connections
    from django.db.models import Q

    from contacts.models import Contact, ContactPhone
    from tenants.auth import _key_query
    from tenants.models import Tenant

    tenant = Tenant.objects.get(slug=SLUG)
    total = Contact.objects.for_tenant(tenant).count()
    sql, _conv = _key_query("postgresql")

    def key(alias, i):
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, ["0" * 64])
            cursor.fetchone()

    def phone(alias, i):
        """The two queries of Contact.objects.by_phone (routing's lookup), on this alias."""
        e164 = f"+420{700_000_000 + (i * 7919) % total:09d}"
        cond = Q(e164=e164) | Q(tail=e164[-9:])
        ids = list(
            ContactPhone.objects.using(alias)
            .filter(cond, tenant_id__in=[tenant.pk])
            .values_list("contact_id", flat=True)[:20]
        )
        list(Contact.objects.using(alias).for_tenant(tenant).filter(pk__in=ids[:1]))

    times = {(c, q): [] for c in range(len(CONFIGS)) for q in ("api_key", "phone")}
    for _ in range(rounds):
        for c in range(len(CONFIGS)):
            for q, fn in (("api_key", key), ("phone", phone)):
                t0 = time.perf_counter()
                for i in range(n):
                    fn(f"c{c}", i)
                times[c, q].append((time.perf_counter() - t0) / n * 1e6)
    out = []
    for c in range(len(CONFIGS)):
        with connections[f"c{c}"].cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            prepared = cursor.fetchone()[0]
        out.append(
            {q: statistics.median(times[c, q]) for q in ("api_key", "phone")}
            | {"prepared": prepared}
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.n, args.rounds)))
        return
    load(args.contacts)
    print(f"{args.contacts:,} contacts, {args.n} queries x {args.rounds} rounds, interleaved")
    print(f"{'configuration':42} {'api-key µs':>11} {'phone µs':>10} {'prepared':>9}")
    proc = subprocess.run(
        [sys.executable, __file__, "--measure", "--n", str(args.n), "--rounds", str(args.rounds)],
        env={**os.environ, "DATABASE_POOL": "false"},
        capture_output=True,
        text=True,
        check=True,
    )
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    base = results[0]
    for (name, _env), got in zip(CONFIGS, results, strict=True):
        print(
            f"{name:42} {got['api_key']:9.0f} ({got['api_key'] / base['api_key']:.2f}x)"
            f" {got['phone']:6.0f} ({got['phone'] / base['phone']:.2f}x) {got['prepared']:>5}"
        )


if __name__ == "__main__":
    main()
