from django.apps import AppConfig

from calls.call_logs import CALL_LOG, send_call_logs  # no models: safe before the apps load
from contacts import hooks
from delivery import kinds


class CallsConfig(AppConfig):
    name = "calls"

    def ready(self) -> None:
        kinds.register(CALL_LOG, "Call log", send_call_logs, crm_object="Task")
        # Inside ready(): settings_views imports the models, which load only after the registry.
        from calls.settings_views import default_owner

        hooks.set_default_owner_lookup(default_owner)
