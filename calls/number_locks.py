"""What a decision serialises: the customer's number on a connector (the duplicate rule).

Two calls of the same number on the same connector started within start_margin_seconds must
not both be logged, so two transactions deciding such calls at once must not both miss each
other's row. On PostgreSQL each decision takes a transaction-scoped advisory lock per
(tenant, connector, number) it is about to decide, all keys in one statement and in sorted
order (so two deciders never deadlock), after the calls' row locks and before it reads the
recent calls; it holds them until its commit, when its rows are visible to the next one.
Decisions of different numbers, on the same connector or not, never wait for each other
(before, every decision locked the connector's CallSyncSettings row: SELECT ... FOR UPDATE).

On SQLite (tests, the embedded default) transactions begin IMMEDIATE
(portal/settings.py): one writer at a time already, so there is nothing to take.
"""

import hashlib

from django.db import connection

LOCK_SQL = "SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k"


def number_key(tenant_id: int, connector_id: int, phone: str) -> int:
    """A signed 64-bit key (pg_advisory_xact_lock(bigint)); a collision only serialises more."""
    digest = hashlib.blake2b(f"{tenant_id}:{connector_id}:{phone}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def lock_numbers(tenant_id: int, connector_ids, phones) -> list[int]:
    """Take the advisory locks of these numbers on these connectors (inside the decision's
    transaction, released at its end). Returns the keys taken (none on other databases)."""
    keys = sorted({number_key(tenant_id, c, p) for c in connector_ids for p in phones if p})
    if not keys or connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(LOCK_SQL, [keys])  # unnest keeps the array's (sorted) order
    return keys
