from django.apps import AppConfig
from django.urls import NoReverseMatch, reverse

from calls.call_logs import CALL_LOG, send_call_logs  # no models: safe before the apps load
from contacts import hooks
from delivery import kinds


class CallsConfig(AppConfig):
    name = "calls"

    def ready(self) -> None:
        kinds.register(CALL_LOG, "Call log", send_call_logs, crm_object="Task")
        hooks.set_default_owner_lookup(default_owner)


def default_owner(account) -> dict:
    """The per-connector default CRM owner of unmatched agents (the user-mappings page)."""
    # Imported here: apps.py is loaded before the app registry is ready, models after it.
    from calls.models import CallSyncSettings

    st = CallSyncSettings.objects.for_tenant(account.tenant_id).filter(connector=account).first()
    try:
        url = reverse("calls:connector_settings", args=[account.pk])
    except NoReverseMatch:
        url = ""
    return {"value": getattr(st, "default_owner_crm_id", "") if st else "", "url": url}
