"""`bench/contact_import.py --progress`: where the time of each slice of the import goes.

Every `every` contacts one line: the slice's rate and its wall time split into
  http   the page requests (round trip to the simulator + reading the body), prefetch thread
  json   decoding the SOQL page
  parse  SOQL records -> CrmContact (connectors.salesforce.records.from_record)
  build  CrmContact -> Contact + phone rows (contacts.importer.Importer.build)
  db     the page's upsert (contacts.importer.Importer._upsert: SQL + its Python)
  sim    the simulator process's CPU time (from /proc/<pid>/stat)
  cpu    this process's CPU time
  pg     the import's PostgreSQL backend CPU time (its pid from pg_backend_pid())
  wal/c  WAL bytes written per contact in the slice (whole server: other databases count too)
http/json/parse run on the prefetch thread, overlapping build/db: they add up to more than wall.
Wrappers are installed on the classes, so the production code is what runs.
"""

import os
import time
from functools import wraps

TICK = os.sysconf("SC_CLK_TCK")


def _pg() -> tuple[int, int]:
    """(backend pid, WAL position in bytes) on the default connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), pg_current_wal_lsn() - '0/0'::pg_lsn")
        pid, lsn = cursor.fetchone()
    return pid, int(lsn)


def _cpu_of(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / TICK


class Progress:
    KEYS = ("http", "json", "parse", "build", "db")

    def __init__(self, sim_pid: int, every: int = 100_000):
        self.sim_pid, self.every = sim_pid, every
        self.spent = dict.fromkeys(self.KEYS, 0.0)
        self.done = self.next_at = 0
        self.started = self.last = None
        self.last_sim = self.last_cpu = self.last_pg = 0.0
        self.pg_pid = self.last_wal = 0
        self.lines: list[tuple[int, float]] = []  # (done, slice rate/min)

    def _timed(self, key: str, fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[key] += time.perf_counter() - t0

        return wrapper

    def install(self) -> None:
        from connectors import http as connector_http
        from connectors.salesforce import client, records
        from contacts import importer

        client.http.request = self._timed("http", connector_http.request)
        client.http.json_body = self._timed("json", connector_http.json_body)
        records.from_record = self._timed("parse", records.from_record)
        importer.Importer.build = self._timed("build", importer.Importer.build)
        importer.Importer._upsert = self._timed("db", importer.Importer._upsert)
        apply = importer.Importer.apply

        @wraps(apply)
        def counted(imp, page):
            stats = apply(imp, page)
            self.tick(len(page))
            return stats

        importer.Importer.apply = counted

    def start(self) -> None:
        self.started = self.last = time.perf_counter()
        self.last_sim, self.last_cpu = _cpu_of(self.sim_pid), time.process_time()
        self.pg_pid, self.last_wal = _pg()
        self.last_pg = _cpu_of(self.pg_pid)
        self.next_at = self.every
        print(
            f"{'done':>10} {'rate/min':>9} {'wall':>6} "
            + " ".join(f"{k:>6}" for k in (*self.KEYS, "sim", "cpu", "pg", "wal/c")),
            flush=True,
        )

    def tick(self, n: int) -> None:
        self.done += n
        if self.started is None or self.done < self.next_at:
            return
        self.next_at += self.every
        now, sim, cpu = time.perf_counter(), _cpu_of(self.sim_pid), time.process_time()
        pg_pid, wal = _pg()
        pg = _cpu_of(pg_pid) if pg_pid == self.pg_pid else self.last_pg  # reconnected: unknown
        wall = now - self.last
        spent = [self.spent[k] for k in self.KEYS]
        rate = self.every / wall * 60 if wall else 0.0
        self.lines.append((self.done, rate))
        print(
            f"{self.done:>10,} {rate:>9,.0f} {wall:>6.1f} "
            + " ".join(f"{s:>6.1f}" for s in (*spent, sim - self.last_sim, cpu - self.last_cpu))
            + f" {pg - self.last_pg:>6.1f} {(wal - self.last_wal) / self.every:>6,.0f}",
            flush=True,
        )
        self.spent = dict.fromkeys(self.KEYS, 0.0)
        self.last, self.last_sim, self.last_cpu = now, sim, cpu
        self.pg_pid, self.last_pg, self.last_wal = pg_pid, pg, wal
