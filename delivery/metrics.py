"""Outbox gauges, read from the database when Prometheus scrapes (never on a hot path).

- ccportal_outbox_rows{kind, connector_kind, state}: rows not yet done (pending, running,
  failed) and dead ones; synced and skipped rows are counted by
  ccportal_delivery_latency_seconds_count instead (their table only grows).
- ccportal_outbox_oldest_pending_age_seconds{connector_kind}: age of the oldest row still to
  deliver (pending, running or failed), 0 when there is none: the backlog's delay.

Labelled by connector kind and outbox kind, never by tenant. Registered by DeliveryConfig.ready.
"""

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from connectors.registry import PROVIDERS
from delivery.models import OPEN_STATES, SyncRecord, SyncState


class OutboxCollector:
    def collect(self):
        rows = GaugeMetricFamily(
            "ccportal_outbox_rows",
            "Outbox rows still to deliver, and dead ones, by outbox kind, connector kind, state",
            labels=["kind", "connector_kind", "state"],
        )
        backlog = SyncRecord.objects.unscoped().filter(state__in=(*OPEN_STATES, SyncState.DEAD))
        for kind, connector_kind, state, n in (
            backlog.order_by()
            .values_list("kind", "connector__kind", "state")
            .annotate(n=Count("id"))
        ):
            rows.add_metric([kind, connector_kind, state], n)
        yield rows

        oldest = GaugeMetricFamily(
            "ccportal_outbox_oldest_pending_age_seconds",
            "Age of the oldest outbox row not yet delivered (pending, running, failed)",
            labels=["connector_kind"],
        )
        now = timezone.now()
        ages = dict.fromkeys(PROVIDERS, 0.0)
        for connector_kind, first in (
            SyncRecord.objects.unscoped()  # every tenant's backlog: an operator's figure
            .filter(state__in=OPEN_STATES)
            .order_by()
            .values_list("connector__kind")
            .annotate(first=Min("created_at"))
        ):
            ages[connector_kind] = max(0.0, (now - first).total_seconds())
        for connector_kind, age in ages.items():
            oldest.add_metric([connector_kind], age)
        yield oldest
