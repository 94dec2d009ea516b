from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save

from calls.signals import calls_decided, calls_folded, live_fold_wanted
from delivery import kinds


class AutomationsConfig(AppConfig):
    name = "automations"

    def ready(self):
        # Inside ready(): these modules import models, which load only after the app registry.
        from automations.callbacks import CALLBACK, send_callbacks
        from automations.models import Trigger
        from automations.tickets import (
            TICKET_COMPLETION,
            complete_early_tickets,
            open_early_tickets,
            send_completions,
            send_tickets,
        )
        from automations.triggers import TICKET, fire_triggers, forget_live_fold, wants_live_fold

        kinds.register(TICKET, "Ticket", send_tickets, crm_object="Case")
        kinds.register(TICKET_COMPLETION, "Ticket completion", send_completions, crm_object="Case")
        kinds.register(CALLBACK, "Callback", send_callbacks)
        calls_decided.connect(fire_triggers, dispatch_uid="automations.fire_triggers")
        calls_decided.connect(complete_early_tickets, dispatch_uid="automations.complete_tickets")
        calls_folded.connect(open_early_tickets, dispatch_uid="automations.open_early_tickets")
        live_fold_wanted.connect(wants_live_fold, dispatch_uid="automations.wants_live_fold")

        def forget(sender, instance, **_kwargs):  # this process sees a new early trigger at once
            forget_live_fold(instance.tenant_id)

        post_save.connect(forget, sender=Trigger, dispatch_uid="automations.trigger_saved")
        post_delete.connect(forget, sender=Trigger, dispatch_uid="automations.trigger_deleted")
