from django.apps import AppConfig

from portal import metrics


class ConnectorsConfig(AppConfig):
    name = "connectors"

    def ready(self) -> None:
        from connectors.metrics import ConnectorCollector  # inside ready(): it imports the models

        metrics.register_collector(ConnectorCollector())
