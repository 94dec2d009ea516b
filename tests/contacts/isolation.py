from tests.contacts.helpers import (
    make_cc_account,
    make_contact,
    make_field_mapping,
    make_sync_job,
    make_user_mapping,
)
from tests.factories import make_connector


def connector_kwargs(t):
    return {"connector_id": make_connector(t, name=f"iso {t.slug}").pk}


CASES = {
    # API
    "contact-detail": lambda t: {"pk": make_contact(t).pk},
    "field-mapping-detail": lambda t: {"pk": make_field_mapping(t).pk},
    "user-mapping-detail": lambda t: {"pk": make_user_mapping(t).pk},
    "contact-center-detail": lambda t: {"pk": make_cc_account(t).pk},
    "connector-sync-contacts": connector_kwargs,
    "connector-match-users": connector_kwargs,
    "connector-contact-sync-settings": connector_kwargs,
    "connector-matching": connector_kwargs,
    # pages
    "contacts:detail": lambda t: {"pk": make_contact(t).pk},
    "contacts:sync_now": connector_kwargs,
    "contacts:sync_settings": connector_kwargs,
    "contacts:job_progress": lambda t: {"pk": make_sync_job(t).pk},
    "contacts:field_mapping_delete": lambda t: {"pk": make_field_mapping(t).pk},
    "contacts:user_mapping_update": lambda t: {"pk": make_user_mapping(t).pk},
    "contacts:user_mapping_delete": lambda t: {"pk": make_user_mapping(t).pk},
    "contacts:match_users": connector_kwargs,
    "contacts:import_agents": connector_kwargs,
    "contacts:cc_edit": lambda t: {"pk": make_cc_account(t).pk},
    "contacts:cc_delete": lambda t: {"pk": make_cc_account(t).pk},
    "contacts:cc_test": lambda t: {"pk": make_cc_account(t).pk},
    "contacts:matching": connector_kwargs,
}


def _contact(t) -> list:
    contact = make_contact(t, crm_id=f"iso-{t.slug}", first_name=f"iso-{t.slug}-first")
    return [contact, contact.first_name]


def _field_mapping(t) -> list:
    mapping = make_field_mapping(t)
    mapping.cc_field = f"iso-{t.slug}-field"
    mapping.save()
    return [mapping, mapping.cc_field]


def _user_mapping(t) -> list:
    mapping = make_user_mapping(t)
    mapping.agent_id = f"iso-{t.slug}-agent"
    mapping.save()
    return [mapping, mapping.agent_id]


def _user_mappings_page(t) -> dict:
    mapping = _user_mapping(t)[0]
    # users=0: the page does not ask the CRM for its users (no CRM here)
    return {
        "markers": [mapping.agent_id],
        "params": {"connector": mapping.connector_id, "users": 0},
    }


def _cc_account(t) -> list:
    account = make_cc_account(t)
    return [account, account.name]


def _lookup(t) -> dict:
    """Both tenants store the same number: the lookup shows only ours (lists included)."""
    contact = make_contact(t, crm_id=f"iso-{t.slug}-caller", phones=["+420 773 794 804"])
    return {"markers": [contact.crm_id], "params": {"phone": "+420773794804"}}


def _sync_page(t) -> list:
    job = make_sync_job(t)
    return [job.connector.name]  # its card and its job


LIST_CASES = {
    # API
    "contact-list": _contact,
    "field-mapping-list": _field_mapping,
    "user-mapping-list": _user_mapping,
    "contact-center-list": _cc_account,
    "lookup": _lookup,
    # pages
    "contacts:index": lambda t: _contact(t)[1:],
    "contacts:field_mappings": lambda t: _field_mapping(t)[1:],
    "contacts:user_mappings": _user_mappings_page,
    "contacts:cc_index": lambda t: _cc_account(t)[1:],
    "contacts:sync": _sync_page,
}

NOT_LISTS = {
    "contact-center-push": "POST: starts the tenant's contact push (a job), lists nothing",
    "contacts:cc_push": "POST: starts the tenant's contact push, then redirects",
    "contacts:crm_field_options": "htmx fragment: one connector's CRM fields, asked of the CRM "
    "(the connector is resolved within the tenant by FieldMappingForm)",
}
