from django.apps import AppConfig


class AutomationsConfig(AppConfig):
    name = "automations"

    def ready(self):
        from automations.callbacks import send_callbacks
        from calls import outbox
        from calls.models import SyncKind

        outbox.register_handler(SyncKind.CALLBACK, send_callbacks)
