from django.apps import AppConfig
from django.urls import NoReverseMatch, reverse

from contacts import hooks


class CallsConfig(AppConfig):
    name = "calls"

    def ready(self) -> None:
        hooks.set_default_owner_lookup(default_owner)


def default_owner(account) -> dict:
    """The per-connector default CRM owner of unmatched agents (the user-mappings page)."""
    # Imported here: apps.py is loaded before the app registry is ready, models after it.
    from calls.models import CallSyncSettings

    st = CallSyncSettings.objects.filter(connector=account).first()
    try:
        url = reverse("calls:connector_settings", args=[account.pk])
    except NoReverseMatch:
        url = ""
    return {"value": getattr(st, "default_owner_crm_id", "") if st else "", "url": url}
