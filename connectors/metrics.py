"""Connector gauges read at scrape time: how many accounts of each CRM kind are in each status
(needs_reauth and error are what an operator watches). Registered by ConnectorsConfig.ready."""

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from connectors.models import ConnectorAccount


class ConnectorCollector:
    def collect(self):
        family = GaugeMetricFamily(
            "ccportal_connectors",
            "Connector accounts by CRM kind and status",
            labels=["connector_kind", "status"],
        )
        for kind, status, n in (
            ConnectorAccount.objects.unscoped()  # every tenant's accounts, counted per kind
            .order_by()
            .values_list("kind", "status")
            .annotate(n=Count("id"))
        ):
            family.add_metric([kind, status], n)
        yield family
