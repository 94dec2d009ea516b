from django.apps import AppConfig

from calls.signals import calls_decided
from delivery import kinds


class AutomationsConfig(AppConfig):
    name = "automations"

    def ready(self):
        # Inside ready(): these modules import models, which load only after the app registry.
        from automations.callbacks import CALLBACK, send_callbacks
        from automations.triggers import TICKET, fire_triggers, send_tickets

        kinds.register(TICKET, "Ticket", send_tickets, crm_object="Case")
        kinds.register(CALLBACK, "Callback", send_callbacks)
        calls_decided.connect(fire_triggers, dispatch_uid="automations.fire_triggers")
