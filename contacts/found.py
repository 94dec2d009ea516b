"""What a live search found, before it is in the store: routing's deferred storing.

Storing found records through the ORM (contacts.lookup.store_found: the field mappings, one
upsert, the phone rows, reading them back) cost a routing request ~9 ms of CPU in the web
worker, under the GIL of the process that also answers the known callers. Routing therefore
answers from the raw search result and hands the records to `contacts.store_found` (a Celery
task on the realtime queue: the next call from that number is a person waiting); the web
worker only caches the records and publishes one message.

Until the task has stored them, the records sit in the shared cache under the connector and the
number (`remember` / `recall`), so the next lookup of that number, in any worker, uses them
instead of asking the CRM again (one CRM request per number, as with the negative cache). The
task leaves them to expire: a lookup that read the store just before the task committed
finds them here instead of asking the CRM a second time (a bench run saw that race once).
Broker down: the caller stores inline, as before (`defer` returns False).

The stores of one web process are merged for FOUND_STORE_COALESCE_MS (1 s) into one
`contacts.store_found_many` message per connector (portal/doorbells.py): one upsert for many
numbers. One store per record cost the worker and PostgreSQL ~16 ms of CPU each, and at the
start of a routing run (most numbers asked for the first time) those writes doubled the known
callers' p99. Until then the records are served from the cache, as above; if that message is
lost (a process killed within the second, the broker down at the flush), they are not stored
and the number is asked again once the cached copy expires.
"""

import dataclasses
from datetime import datetime

from django.conf import settings
from django.core.cache import cache

from connectors.types import CrmContact
from portal.celery import publish
from portal.doorbells import ring_merged

TASK = "contacts.store_found"
TASK_MANY = "contacts.store_found_many"
SECONDS = 300  # the cached records outlive any sane queue wait and the store-vs-cache race


def key(connector_id: int, number: str) -> str:
    return f"contacts:lookup:found:{connector_id}:{number}"


def serialize(records: list[CrmContact]) -> list[dict]:
    """JSON for the task message (a datetime as ISO 8601 text)."""
    out = []
    for record in records:
        row = dataclasses.asdict(record)
        if isinstance(row.get("modified_at"), datetime):
            row["modified_at"] = row["modified_at"].isoformat()
        out.append(row)
    return out


def deserialize(rows: list[dict]) -> list[CrmContact]:
    names = {f.name for f in dataclasses.fields(CrmContact)}
    records = []
    for row in rows:
        row = {k: v for k, v in row.items() if k in names}
        if isinstance(row.get("modified_at"), str):
            row["modified_at"] = datetime.fromisoformat(row["modified_at"])
        records.append(CrmContact(**row))
    return records


def remember(connector_id: int, number: str, records: list[CrmContact]) -> None:
    cache.set(key(connector_id, number), records, SECONDS)


def recall(connector_id: int, number: str) -> list[CrmContact] | None:
    """The records found for this number and not stored yet (None: nothing pending)."""
    return cache.get(key(connector_id, number))


def forget(connector_id: int, number: str) -> None:
    cache.delete(key(connector_id, number))


def defer(account, number: str, records: list[CrmContact]) -> bool:
    """Cache the records and ask a worker to store them; False (nothing cached) when the broker
    refuses, so the caller stores them itself."""
    remember(account.pk, number, records)
    ms = float(getattr(settings, "FOUND_STORE_COALESCE_MS", 0) or 0)
    if ms > 0:
        if ring_merged(TASK_MANY, account.pk, {number: serialize(records)}, ms):
            return True
    elif publish(TASK, account.pk, number, serialize(records)):
        return True
    forget(account.pk, number)
    return False
