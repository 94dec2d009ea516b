from calls.models import Call
from connectors.models import ConnectorAuditEntry, ConnectorStatus
from delivery.models import SyncRecord, SyncState
from operations.models import AlertState, Condition, Notification
from tests.contacts.helpers import make_contact
from tests.factories import make_connector


def _call(t):
    return Call.objects.create(
        tenant=t, call_id=f"iso-erase-{t.slug}", ended=True, caller="+420773794804"
    )


CASES = {
    "operations:erase_call": lambda t: {"pk": _call(t).pk},
    "operations:erase_contact": lambda t: {"pk": make_contact(t, crm_id=f"iso-{t.slug}").pk},
}


def _notifications_page(t) -> list:
    connector = make_connector(
        t, name=f"iso-{t.slug}-alerting", status=ConnectorStatus.NEEDS_REAUTH
    )
    AlertState.objects.create(
        tenant=t, connector=connector, condition=Condition.NEEDS_REAUTH, active=True
    )
    Notification.objects.create(tenant=t, event="firing", subject=f"iso-{t.slug}-subject")
    return [connector.name, f"iso-{t.slug}-subject"]


def _retention_page(t) -> list:
    ConnectorAuditEntry.objects.create(
        tenant=t, connector_name="Personal data", actor=f"iso-{t.slug}-eraser", action="erasure"
    )
    return [f"iso-{t.slug}-eraser"]


def _overview(t) -> list:
    """The Overview's health card names the tenant's connectors (and links their dead rows)."""
    connector = make_connector(t, name=f"iso-{t.slug}-health", status=ConnectorStatus.ERROR)
    SyncRecord.objects.create(
        tenant=t, connector=connector, key=f"iso-{t.slug}", state=SyncState.DEAD
    )
    return [connector.name, f"connector={connector.pk}"]


LIST_CASES = {
    "operations:notifications": _notifications_page,
    "operations:retention": _retention_page,
    "tenants:home": _overview,
}

NOT_LISTS = {
    "operations:notifications_test": "POST: sends a test through the tenant's own settings",
    "operations:erase": "a form; its confirm step counts rows with for_tenant (no row named)",
    "api-erasure": "POST: erases within the API key's tenant only (tests/operations/test_erasure.py "
    "proves another tenant's rows with the same number stay)",
}
