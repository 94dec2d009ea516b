"""Daktela's side of the contact push: the contact it holds for one of ours (contacts/push.py).

Contacts are keyed by `name` (Daktela's unique identifier), derived from our connector id and
CRM id: stable, so an update never creates a duplicate. `contact` is any object with the
fields of contacts.models.Contact (this package does not import contacts).
"""


def daktela_name(connector_id: int, crm_id: str) -> str:
    """Daktela's unique contact name for one of ours: stable, so updates never duplicate."""
    return f"crm{connector_id}_{crm_id}"


def daktela_payload(contact) -> dict:
    """The Daktela contact for one of ours."""
    title = contact.name or contact.email or contact.crm_id
    custom = {
        cc: [str(value)] for cc, value in (contact.fields or {}).items() if value not in (None, "")
    }
    return {
        "name": daktela_name(contact.connector_id, contact.crm_id),
        "title": title[:255],
        "firstname": contact.first_name,
        "lastname": contact.last_name,
        "email": contact.email,
        "number": (contact.phones or [""])[0],
        "description": contact.account,
        "customFields": {"number": list(contact.phones or []), **custom},
    }
