"""The interactions list filters, shared by the console page, its CSV and the API
(`GET /interactions/?channel=&address=&agent_email=&since=&until=`; also sync_state,
connector, queue). Parameters are read as the calls filters read them (calls/filters.py)."""

from calls.filters import (
    ConnectorFilter,
    SyncStateFilter,
    TextFilter,
    WhenFilter,
    by_sync_records,
)
from calls.models import Interaction
from portal.filters import TenantFilterSet
from portal.phones import digits, normalize

FILTERS = (
    "channel",
    "address",
    "agent_email",
    "queue",
    "since",
    "until",
    "sync_state",
    "connector",
)


class InteractionFilter(TenantFilterSet):
    channel = TextFilter(field_name="channel")
    address = TextFilter(method="by_address")
    agent_email = TextFilter(field_name="agent_email", lookup_expr="iexact")
    queue = TextFilter(field_name="queue")
    since = WhenFilter(field_name="started_at", lookup_expr="gte")
    until = WhenFilter(field_name="started_at", lookup_expr="lte", end=True)
    connector = ConnectorFilter(method="by_sync_record")
    sync_state = SyncStateFilter(method="by_sync_record")

    class Meta:
        model = Interaction
        fields: list[str] = []

    def __init__(self, data, *, tenant, **kwargs):
        qs = Interaction.objects.for_tenant(tenant)
        super().__init__(data, tenant=tenant, queryset=qs, **kwargs)
        for name in ("since", "until"):
            self.form.fields[name].tz = tenant.zone

    def by_address(self, qs, name, value):
        """An e-mail address (any case) or a phone number in any format the ingest accepts."""
        if "@" in value:
            return qs.filter(address_key=value.lower())
        keys = {normalize(value, self.tenant.default_region) or "", digits(value)} - {""}
        return qs.filter(address_key__in=keys) if keys else qs.none()

    def by_sync_record(self, qs, name, value):
        return qs  # both at once, below

    def filter_queryset(self, queryset):
        qs = super().filter_queryset(queryset)
        return by_sync_records(qs, self.form.cleaned_data, "interaction")
