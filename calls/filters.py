"""The calls list filters (a django-filter FilterSet), shared by the console, its CSV export and
`GET /api/v1/calls/`.

Every parameter is read the same way: stripped, at most 200 characters, empty = no filter.
Invalid ones (since/until, sync_state, connector) are collected in `problems` by name: the API
answers 400 naming them, the page shows them and filters by the valid ones only.
"""

from datetime import datetime, time

import django_filters
from django import forms
from django.db.models import Exists, OuterRef

from calls.models import Call, CallActivity
from delivery.models import SyncRecord, SyncState
from portal import dates
from portal.filters import TenantFilterSet
from portal.paging import Keyset

# The lists' order (newest first), paged by keyset (portal/paging.py); every filter below has
# an index ending in (started_at, id) or selecting few rows (calls/models/call.py).
CALLS_KEYSET = Keyset(("started_at", "id"), descending=True)

# The query parameters, in the order the API schema lists them.
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


class Param(forms.Field):
    """A query parameter as text: stripped, cut at 200 characters, never itself invalid."""

    def to_python(self, value) -> str:
        return (value or "").strip()[:200]


class WhenParam(Param):
    """A date (YYYY-MM-DD: the whole day) or ISO 8601 date-time; naive ones in the tenant's zone."""

    def __init__(self, *args, end: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.end = end
        self.tz = None  # set per request (CallFilter.__init__)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError(
                f"{value[:40]!r} is not a date (YYYY-MM-DD) or ISO 8601 date-time."
            ) from None
        if len(value) <= 10 and self.end:
            parsed = datetime.combine(parsed.date(), time.max)
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=self.tz)
        if not dates.in_range(parsed):
            raise forms.ValidationError(dates.RANGE_MESSAGE)
        return parsed


class ConnectorParam(Param):
    def validate(self, value):
        if value and (not value.isdigit() or len(value) > 18):
            raise forms.ValidationError("Give a connector id.")


class SyncStateParam(Param):
    def validate(self, value):
        if value and value not in SyncState.values:
            raise forms.ValidationError(f"One of: {', '.join(SyncState.values)}.")


class TextFilter(django_filters.Filter):
    field_class = Param


class WhenFilter(django_filters.Filter):
    field_class = WhenParam


class ConnectorFilter(django_filters.Filter):
    field_class = ConnectorParam


class SyncStateFilter(django_filters.Filter):
    field_class = SyncStateParam


class CallFilter(TenantFilterSet):
    """Call filters of one tenant. Declared in validation order (problems list in this order)."""

    phone = TextFilter(method="by_phone")
    agent_email = TextFilter(method="by_agent_email")
    queue = TextFilter(field_name="queue")
    status = TextFilter(field_name="status")
    direction = TextFilter(field_name="direction")
    since = WhenFilter(field_name="started_at", lookup_expr="gte")
    until = WhenFilter(field_name="started_at", lookup_expr="lte", end=True)
    # These two select one SyncRecord together (filter_queryset): a call with a record of
    # connector 7 in state "dead", not one record of 7 and another that is dead.
    connector = ConnectorFilter(method="by_sync_record")
    sync_state = SyncStateFilter(method="by_sync_record")

    class Meta:
        model = Call
        fields: list[str] = []

    def __init__(self, data, *, tenant, **kwargs):
        super().__init__(data, tenant=tenant, queryset=Call.objects.for_tenant(tenant), **kwargs)
        for name in ("since", "until"):
            self.form.fields[name].tz = tenant.zone

    def by_phone(self, qs, name, value):
        return qs.by_phone(value, self.tenant.default_region)

    def by_agent_email(self, qs, name, value):
        # The call's agent or one of its legs': `id IN (calls UNION legs)`, each side read by
        # its own agent index (call_agent_ci, call_activity_agent_ci). An OR of the two made
        # PostgreSQL guess half the table and count it by a sequential scan.
        calls = Call.objects.for_tenant(self.tenant).filter(agent_email__iexact=value)
        legs = CallActivity.objects.for_tenant(self.tenant).filter(agent_email__iexact=value)
        ids = calls.order_by().values("pk").union(legs.order_by().values("call_id"))
        return qs.filter(pk__in=ids)

    def by_sync_record(self, qs, name, value):
        return qs  # both at once, below

    def filter_queryset(self, queryset):
        return by_sync_records(super().filter_queryset(queryset), self.form.cleaned_data, "call")


def by_sync_records(qs, cleaned: dict, link: str):
    """Rows with a sync record of the `connector` and/or `sync_state` filters (both on one
    record); `link` is the record's field pointing at the row ("call", "interaction")."""
    connector = cleaned.get("connector") or ""
    sync_state = cleaned.get("sync_state") or ""
    if not (sync_state or connector):
        return qs
    records = SyncRecord.objects.filter(**{link: OuterRef("pk")})
    if connector:
        records = records.filter(connector_id=int(connector))
    if sync_state:
        records = records.filter(state=sync_state)
    return qs.filter(Exists(records))
