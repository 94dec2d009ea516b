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
}
