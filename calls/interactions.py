"""Store inbound interactions (email, chat, SMS): one upsert per request, decided after commit.

`interaction_id` is the idempotency key per tenant. An item whose content hash equals the
stored one is a duplicate and changes nothing; a new item or one with changed content is
upserted (INSERT ... ON CONFLICT DO UPDATE), its `decided_at` cleared, and the decision task
(calls.decide_interactions) is rung after commit: it re-decides per connector and a changed
payload re-sends the same CRM record (same key; the connector upserts). A lost doorbell is
found again by `undecided()` (the sweep task in calls/interaction_tasks.py).
"""

import hashlib
import json
from datetime import timedelta

from django.utils import timezone

from calls.models import Interaction
from portal.celery import ring

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


def store_interactions(tenant, items: list[dict], source: str = "api") -> tuple[int, int]:
    """Upsert validated interactions; returns (accepted, duplicates)."""
    latest = {it["interaction_id"]: it for it in items}  # the same id twice: the last wins
    hashes = {iid: content_hash(it) for iid, it in latest.items()}
    stored = dict(
        Interaction.objects.for_tenant(tenant)
        .filter(interaction_id__in=list(latest))
        .values_list("interaction_id", "content_hash")
    )
    changed = [iid for iid in latest if stored.get(iid) != hashes[iid]]
    if changed:
        now = timezone.now()
        rows = [
            Interaction(
                tenant=tenant,
                interaction_id=iid,
                source=source,
                content_hash=hashes[iid],
                received_at=now,
                decided_at=None,
                **{k: latest[iid][k] for k in CONTENT},
            )
            for iid in changed
        ]
        Interaction.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["tenant", "interaction_id"],
            update_fields=[*CONTENT, "source", "content_hash", "received_at", "decided_at"]
            + ["updated_at"],
        )
        ring(DECIDE_TASK, tenant.pk, changed)
    return len(changed), len(items) - len(changed)


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
