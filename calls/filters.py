"""The calls list filters, shared by the console, its CSV export and `GET /api/v1/calls/`."""

from datetime import datetime, time

from django.db.models import Exists, OuterRef, Q

from calls.models import Call, SyncRecord, SyncState
from portal import dates

FILTERS = (
    "phone",
    "agent_email",
    "queue",
    "status",
    "since",
    "until",
    "direction",
    "sync_state",
    "connector",
)


def _when(value: str, tz, end: bool) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value[:40]!r} is not a date (YYYY-MM-DD) or ISO 8601 date-time.")
    if len(value) <= 10 and end:
        parsed = datetime.combine(parsed.date(), time.max)
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    if not dates.in_range(parsed):
        raise ValueError(dates.RANGE_MESSAGE)
    return parsed


def filter_calls(tenant, params) -> tuple:
    """(queryset, errors) for the given query parameters (a dict-like)."""
    qs = Call.objects.for_tenant(tenant)
    errors: dict[str, list[str]] = {}
    get = lambda name: (params.get(name) or "").strip()[:200]  # noqa: E731
    tz = tenant.zone
    if phone := get("phone"):
        qs = qs.by_phone(phone, tenant.default_region)
    if email := get("agent_email"):
        qs = qs.filter(
            Q(agent_email__iexact=email) | Q(activities__agent_email__iexact=email)
        ).distinct()
    for name in ("queue", "status", "direction"):
        if value := get(name):
            qs = qs.filter(**{name: value})
    for name, lookup, end in (
        ("since", "started_at__gte", False),
        ("until", "started_at__lte", True),
    ):
        if value := get(name):
            try:
                qs = qs.filter(**{lookup: _when(value, tz, end)})
            except ValueError as exc:
                errors[name] = [str(exc)]
    sync_state, connector = get("sync_state"), get("connector")
    if connector and (not connector.isdigit() or len(connector) > 18):
        errors["connector"] = ["Give a connector id."]
        connector = ""
    if sync_state and sync_state not in SyncState.values:
        errors["sync_state"] = [f"One of: {', '.join(SyncState.values)}."]
        sync_state = ""
    if sync_state or connector:
        records = SyncRecord.objects.filter(call=OuterRef("pk"))
        if connector:
            records = records.filter(connector_id=int(connector))
        if sync_state:
            records = records.filter(state=sync_state)
        qs = qs.filter(Exists(records))
    return qs, errors
