"""Store inbound call events: one INSERT ... ON CONFLICT DO NOTHING per request.

The unique constraint (tenant, event_id) is the idempotency guard, so concurrent duplicates
are stored once without check-then-insert races; RETURNING tells which rows are new.
Folding is kicked after commit (and re-found by the sweeper if that message is lost).
"""

import json
import logging

from django.db import connection
from django.utils import timezone

from calls.folding import END_TYPES
from calls.models import CallEvent
from calls.signals import live_fold
from connectors import registry
from connectors.capabilities import Capability
from connectors.models import ConnectorAccount
from portal import metrics
from portal.cache import TTLCache
from portal.celery import ring
from portal.doorbells import ring_coalesced

log = logging.getLogger(__name__)

COLUMNS = (
    "tenant_id",
    "event_id",
    "call_id",
    "activity_id",
    "type",
    "occurred_at",
    "data",
    "source",
    "received_at",
    "folded",
)
LIVE_TYPES = ("ringing", "answered")
FOLD_NOW = (*END_TYPES, "wrapup")  # folded at once (a wrap-up updates the CRM record)
DATA_FIELDS = (
    "direction",
    "caller",
    "callee",
    "queue",
    "agent_id",
    "agent_email",
    "duration_seconds",
    "wait_seconds",
    "privacy",
    "status",
    "recording_url",
    "notes",
    "disposition",
    "tags",  # [] is kept: a wrap-up that clears the tags
)


def store_events(tenant, events: list[dict], source: str = "api") -> tuple[int, int]:
    """Insert validated events; returns (accepted, duplicates)."""
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    row = "(" + ", ".join(["%s"] * 6 + [f"%s{json_cast}"] + ["%s"] * 3) + ")"
    params: list = []
    for ev in events:
        data = {k: ev.get(k) for k in DATA_FIELDS if ev.get(k) is not None and ev.get(k) != ""}
        params += [
            tenant.pk,
            ev["event_id"],
            ev["call_id"],
            ev.get("activity_id") or "",
            ev["type"],
            ops.adapt_datetimefield_value(ev["occurred_at"]),
            json.dumps(data),
            source,
            now,
            False,
        ]
    # Identifiers are constants; every value is a bound parameter.
    table, columns = CallEvent._meta.db_table, ", ".join(COLUMNS)
    sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(events))}"  # noqa: S608
    sql += " ON CONFLICT (tenant_id, event_id) DO NOTHING RETURNING id, call_id, type"
    # One statement: in autocommit mode it is its own transaction, committed (durable) when
    # execute() returns; inside an outer atomic block it commits with it. The doorbells are
    # registered with on_commit either way.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = cursor.fetchall()
    if inserted:
        _kick_after_commit(tenant, inserted, source)
    metrics.ingested(source, len(inserted), len(events) - len(inserted))
    return len(inserted), len(events) - len(inserted)


def _kick_after_commit(tenant, inserted, source: str) -> None:
    # Only an end event can lead to a sync decision, so only those ring the fold doorbell at
    # once (a broker publish is the largest cost of a single-event request). Other events are
    # folded with the call's end event (folding reads all of a call's events) or, for calls
    # still in progress, by the sweeper within seconds (at once for a tenant that wants them
    # folded live: calls.signals.live_fold). A wrap-up too: it usually comes after the end and
    # updates the CRM record.
    call_ids = {call_id for _pk, call_id, type_ in inserted if type_ in FOLD_NOW}
    live = {call_id for _pk, call_id, type_ in inserted if type_ in LIVE_TYPES} - call_ids
    if live and live_fold(tenant):  # e.g. a trigger opens its ticket at ringing
        call_ids |= live
    call_ids = sorted(call_ids)
    tenant_id = tenant.pk
    if call_ids:  # merged with other requests' end events (portal/doorbells.py)
        ring_coalesced("calls.fold_calls", tenant_id, call_ids)
    ringing = [pk for pk, _call_id, type_ in inserted if type_ == "ringing"]
    if ringing and source == "api":  # a Daktela GET arrives after closure: too late to pop
        for connector_id in call_event_connectors(tenant):
            for pk in ringing:
                ring("calls.send_call_event", connector_id, pk)


CACHE_SECONDS = 5.0
_connectors_cache = TTLCache("calls:call-event-connectors", seconds=CACHE_SECONDS)


def call_event_connectors(tenant) -> list[int]:
    """Authorized connectors whose CRM wants live call events (retailCRM screen pop).

    Cached for a few seconds: ringing events are frequent and connectors rare."""
    return _connectors_cache.get(tenant.pk, lambda: _call_event_connectors(tenant))


def _call_event_connectors(tenant) -> list[int]:
    ids = []
    for pk, kind in ConnectorAccount.objects.for_tenant(tenant).usable().values_list("pk", "kind"):
        try:
            if registry.provider(kind).can(Capability.LIVE_CALL_EVENTS):
                ids.append(pk)
        except (LookupError, ImportError):
            continue
    return ids


def event_dict(event: CallEvent) -> dict:
    """The API shape of a stored event (for connectors' send_call_event)."""
    return {
        "event_id": event.event_id,
        "call_id": event.call_id,
        "activity_id": event.activity_id,
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat(),
        **(event.data or {}),
    }
