from django.apps import AppConfig

from portal import metrics


class DeliveryConfig(AppConfig):
    name = "delivery"

    def ready(self) -> None:
        from delivery.metrics import OutboxCollector  # inside ready(): it imports the models

        metrics.register_collector(OutboxCollector())
