from django.apps import AppConfig

from calls.call_logs import CALL_LOG, send_call_logs  # no models: safe before the apps load
from delivery import kinds


class CallsConfig(AppConfig):
    name = "calls"

    def ready(self):
        kinds.register(CALL_LOG, "Call log", send_call_logs, crm_object="Task")
