"""Store inbound interactions (email, chat, SMS): one upsert per request, decided after commit.

`interaction_id` is the idempotency key per tenant. An item whose content hash equals the
stored one is a duplicate and changes nothing; a new item or one with changed content is
upserted (one INSERT ... ON CONFLICT DO UPDATE ... WHERE the hash differs), its `decided_at`
cleared, and the decision task (calls.decide_interactions, coalesced per tenant) is rung after
commit: it re-decides per connector and a changed payload re-sends the same CRM record (same key; the connector upserts). A lost doorbell is
found again by `undecided()` (the sweep task in calls/interaction_tasks.py).
"""

import hashlib
import json
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from calls.models import Interaction
from portal.celery import ring_once, task_named

DECIDE_TASK = "calls.decide_interactions"
CONTENT = (
    "channel",
    "direction",
    "address",
    "address_key",
    "queue",
    "agent_email",
    "started_at",
    "ended_at",
    "subject",
    "body",
    "notes",
    "disposition",
    "tags",
)


def content_hash(item: dict) -> str:
    data = {k: item.get(k) for k in CONTENT}
    for name in ("started_at", "ended_at"):
        if data[name] is not None:
            data[name] = data[name].isoformat()
    raw = json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(raw).hexdigest()


COLUMNS = ("tenant_id", "interaction_id", *CONTENT, "source", "content_hash", "received_at")
# A changed item: its content, source and hash, received now, undecided again.
SETS = ", ".join(
    [f"{c} = EXCLUDED.{c}" for c in (*CONTENT, "source", "content_hash", "received_at")]
    + ["updated_at = EXCLUDED.received_at", "decided_at = NULL"]
)


# One item's columns, in COLUMNS order after tenant_id (source is per request).
ROW = ("interaction_id", *CONTENT, "content_hash")
TYPES = {"started_at": "timestamptz", "ended_at": "timestamptz", "tags": "jsonb"}
# PostgreSQL: the request's rows as one JSON parameter (constants only in the SQL text).
_PICKED = ", ".join("x." + c for c in ROW[:-1])
_TYPED = ", ".join(f"{c} {TYPES.get(c, 'text')}" for c in ROW)
FROM_JSON = f"SELECT %s, {_PICKED}, %s, x.content_hash, %s, %s "  # noqa: S608
FROM_JSON += f"FROM jsonb_to_recordset(%s::jsonb) AS x({_TYPED}) "


def store_interactions(tenant, items: list[dict], source: str = "api") -> tuple[int, int]:
    """Upsert validated interactions in one statement; returns (accepted, duplicates).

    INSERT ... ON CONFLICT (tenant, interaction_id) DO UPDATE ... WHERE the stored content hash
    differs, RETURNING the rows written: new and changed rows come back, duplicates do not. No
    SELECT first and no explicit transaction (in autocommit the statement is its own), as call
    events are stored (calls/ingest.py). On PostgreSQL the rows travel as one JSON parameter
    (jsonb_to_recordset): a 100-item VALUES list of 1,900 placeholders cost psycopg more CPU
    to bind than the database to insert."""
    latest = {it["interaction_id"]: it for it in items}  # the same id twice: the last wins
    rows = [_row(iid, it) for iid, it in latest.items()]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = Interaction._meta.db_table
    head = f"INSERT INTO {table} ({', '.join(COLUMNS)}, updated_at) "
    if connection.vendor == "postgresql":
        head += FROM_JSON
        params = [tenant.pk, source, now, now, json.dumps(rows, default=datetime.isoformat)]
    else:
        holders = "(" + ", ".join(["%s"] * (len(COLUMNS) + 1)) + ")"
        head += f"VALUES {', '.join([holders] * len(rows))} "
        params = []
        adapt = connection.ops.adapt_datetimefield_value
        for r in rows:
            r.update(tags=json.dumps(r["tags"]), started_at=adapt(r["started_at"]))
            r["ended_at"] = adapt(r["ended_at"])
            params += [tenant.pk, *(r[c] for c in ROW[:-1]), source, r["content_hash"], now, now]
    # Identifiers are constants; every value is a bound parameter.
    sql = head + (  # noqa: S608
        f"ON CONFLICT (tenant_id, interaction_id) DO UPDATE SET {SETS} "
        f"WHERE {table}.content_hash <> EXCLUDED.content_hash RETURNING interaction_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = [r[0] for r in cursor.fetchall()]
    if written:
        ring_decisions(tenant.pk)
    return len(written), len(items) - len(written)


def _row(iid: str, item: dict) -> dict:
    row = {k: ("" if item.get(k) is None else item[k]) for k in CONTENT}
    row.update(interaction_id=iid, tags=list(item.get("tags") or []))
    row["content_hash"] = content_hash(item)
    row["ended_at"] = item.get("ended_at")  # None stays NULL
    return row


def doorbell(tenant_id: int) -> str:
    return f"calls.interaction-decide:{tenant_id}"


def ring_decisions(tenant_id: int) -> None:
    """After commit, one decision message per tenant while one waits (as call events coalesce
    their fold doorbell): the task clears the key when it starts and decides every undecided
    interaction of the tenant, so a row committed before it starts is seen, and one committed
    after rings a new message. A lost message: the sweeper (undecided())."""
    task = task_named(DECIDE_TASK)
    transaction.on_commit(lambda: ring_once(doorbell(tenant_id), task, tenant_id, None))


def undecided(older_than_seconds: float = 5.0, limit: int = 5000) -> dict[int, list[str]]:
    """tenant id -> interaction ids stored but not decided (their doorbell was lost)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    rows = (
        Interaction.objects.unscoped()  # the sweeper: every tenant's undecided rows
        .filter(decided_at__isnull=True, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("tenant_id", "interaction_id")[:limit]
    )
    out: dict[int, list[str]] = {}
    for tenant_id, iid in rows:
        out.setdefault(tenant_id, []).append(iid)
    return out
