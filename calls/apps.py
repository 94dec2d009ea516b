from django.apps import AppConfig

from calls.call_logs import CALL_LOG  # no models: safe before the apps load
from contacts import hooks
from delivery import kinds


class CallsConfig(AppConfig):
    name = "calls"

    def ready(self) -> None:
        # Inside ready(): these modules import models, which load only after the registry.
        from calls.callers import deliver_call_logs
        from calls.interaction_decisions import INTERACTION_LOG, send_interaction_logs
        from calls.interaction_retry_jobs import InteractionRetry
        from calls.retry_jobs import CallRetry
        from calls.settings_views import default_owner
        from jobs.runner import register

        # The sender resolves unknown callers before writing (calls/callers.py).
        kinds.register(CALL_LOG, "Call log", deliver_call_logs, crm_object="Task")
        kinds.register(INTERACTION_LOG, "Interaction log", send_interaction_logs, crm_object="Task")
        hooks.set_default_owner_lookup(default_owner)
        register(CallRetry)
        register(InteractionRetry)
