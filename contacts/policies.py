"""The rules a matching policy must follow for its CRM, shared by the API
(`/connectors/{id}/matching/`) and the Caller matching page, so both refuse the same input with
the same words. Each returns a message for its field, or "" when the value is fine."""

import phonenumbers

from connectors.capabilities import Capability
from contacts.models import UnknownCaller

CREATES = {UnknownCaller.CREATE_CONTACT: "contact", UnknownCaller.CREATE_LEAD: "lead"}


def objects_problem(account, objects) -> str:
    supported = account.provider.record_types
    if not isinstance(objects, list | tuple) or not objects:
        return "Choose at least one record type."
    if not all(isinstance(t, str) for t in objects):
        return "Record types are strings."
    if len(set(objects)) != len(objects):
        return "Each record type may be listed once."
    unknown = [t for t in objects if t not in supported]
    if unknown:
        return (
            f"{account.provider.label} has no record type {unknown[0][:20]!r}; "
            f"it has {', '.join(supported)}."
        )
    return ""


def unknown_caller_problem(account, rule: str) -> str:
    record_type = CREATES.get(rule)
    if record_type is None:
        return ""
    provider = account.provider
    if not provider.can(Capability.CREATE_RECORDS) or record_type not in provider.creatable_types:
        return f"{provider.label} cannot create a {record_type} for an unknown caller here."
    return ""


def normal_region(value) -> str | None:
    """The region in upper case ("" = the tenant's), or None when it is no known region."""
    region = (value or "").strip().upper() if isinstance(value, str) else None
    if region is None or (region and region not in phonenumbers.SUPPORTED_REGIONS):
        return None
    return region
