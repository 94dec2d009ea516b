"""The CRM's live field metadata (describe / EntityDefinitions), cached briefly.

Field mappings are validated against it (an unknown CRM field is a 400 naming it), the UI's
field picker is filled from it, and each sync re-reads it to flag mappings whose CRM field
disappeared (FieldMapping.missing_since) instead of failing the whole import.
"""

from dataclasses import asdict

from django.core.cache import cache
from django.utils import timezone

from connectors import registry
from connectors.types import CrmField
from contacts.models import FieldMapping

CACHE_SECONDS = 120


def contact_object(account) -> str:
    """The CRM object contacts are imported from (Contact, contact...): a provider fact."""
    return registry.provider(account.kind).contact_object


def crm_fields(account, crm_object: str, *, refresh: bool = False) -> list[CrmField]:
    """The fields of `crm_object` in the CRM; raises ConnectorError when it cannot answer."""
    key = f"contacts:crmfields:{account.pk}:{crm_object}"
    cached = None if refresh else cache.get(key)
    if cached is None:
        fields = account.connector.describe_fields(crm_object)
        cached = [asdict(f) for f in fields]
        cache.set(key, cached, CACHE_SECONDS)
    return [CrmField(**f) for f in cached]


def forget(account) -> None:
    """Drop cached metadata of an account (after a mapping change the picker reloads)."""
    for obj in {
        contact_object(account),
        *account.field_mappings.values_list("crm_object", flat=True),
    }:
        cache.delete(f"contacts:crmfields:{account.pk}:{obj}")


def check_mappings(account) -> dict[str, str]:
    """Flag mappings whose field is gone (or back); return {crm_field: cc_field} of the main
    object (contacts) to import."""
    return check_all_mappings(account).get(contact_object(account).lower(), {})


def check_all_mappings(account) -> dict[str, dict[str, str]]:
    """Flag mappings whose field is gone (or back); return, per CRM object (lower case:
    "contact", "lead"), the {crm_field: cc_field} to import with that object's records."""
    now = timezone.now()
    mappings = list(FieldMapping.objects.for_tenant(account.tenant_id).filter(connector=account))
    names_by_object: dict[str, set[str]] = {}
    for obj in {m.crm_object for m in mappings}:
        names_by_object[obj] = {f.name for f in crm_fields(account, obj, refresh=True)}
    active: dict[str, dict[str, str]] = {}
    for m in mappings:
        present = m.crm_field in names_by_object[m.crm_object]
        if present and m.missing_since:
            m.missing_since = None
            m.save(update_fields=["missing_since"])
        elif not present and not m.missing_since:
            m.missing_since = now
            m.save(update_fields=["missing_since"])
        if present:
            active.setdefault(m.crm_object.lower(), {})[m.crm_field] = m.cc_field
    return active
