import pytest

from automations.models import CallbackProfile, Trigger
from delivery.models import SyncRecord
from tests.conftest import make_user
from tests.factories import make_connector


@pytest.fixture
def connector(tenant):
    return make_connector(tenant)


def test_admin_creates_and_deletes_trigger(member_client, tenant, connector):
    r = member_client.post(
        "/automations/triggers/new/",
        {
            "name": "Missed",
            "connector": connector.pk,
            "active": "on",
            "queues": "Support, Sales",
            "statuses": ["missed"],
            "directions": ["in"],
            "subject_template": "Missed call from {caller}",
        },
    )
    assert r.status_code == 302
    trigger = Trigger.objects.for_tenant(tenant).get()
    assert trigger.queues == ["Support", "Sales"] and trigger.statuses == ["missed"]
    assert (
        member_client.post(
            f"/automations/trigger/{trigger.pk}/delete/", {"confirmed": "yes"}
        ).status_code
        == 302
    )
    assert not Trigger.objects.unscoped().exists()


def test_bad_template_is_a_form_error(member_client, connector):
    r = member_client.post(
        "/automations/triggers/new/",
        {"name": "X", "connector": connector.pk, "subject_template": "Call {nope}"},
    )
    assert r.status_code == 200 and "Unknown placeholder {nope}" in r.content.decode()
    assert not Trigger.objects.unscoped().exists()


def test_foreign_connector_cannot_be_chosen(member_client, connector, other_tenant):
    foreign = make_connector(other_tenant)
    r = member_client.post(
        "/automations/triggers/new/",
        {"name": "X", "connector": foreign.pk, "subject_template": "{caller}"},
    )
    assert r.status_code == 200 and not Trigger.objects.unscoped().exists()


@pytest.mark.parametrize("role", ["viewer", "support"])
def test_non_admins_read_only(client, tenant, connector, role):
    user = make_user(f"{role}@acme.test", tenant, role)
    client.force_login(user)
    assert client.get("/automations/").status_code == 200
    assert client.get("/automations/triggers/new/").status_code == 403
    r = client.post(
        "/automations/callback-profiles/new/",
        {"name": "P", "connector": connector.pk, "callback_list": "cb"},
    )
    assert r.status_code == 403 and not CallbackProfile.objects.unscoped().exists()


def test_dry_run_pages_create_nothing(member_client, tenant, connector):
    Trigger.objects.create(tenant=tenant, connector=connector, name="Missed", statuses=["missed"])
    CallbackProfile.objects.create(tenant=tenant, connector=connector, name="P", callback_list="cb")
    r = member_client.post(
        "/automations/dry-run/", {"kind": "call", "payload": '{"status": "answered"}'}
    )
    assert "status answered is not one of missed" in r.content.decode()
    r = member_client.post(
        "/automations/dry-run/",
        {"kind": "call", "payload": '{"status": "missed", "caller": "+420773794804"}'},
    )
    assert "Missed call from +420773794804" in r.content.decode()
    r = member_client.post(
        "/automations/dry-run/",
        {
            "kind": "callback",
            "payload": '{"request_id": "1", "callback_list": "cb", "phone": "+420773794804", "requested_at": "2026-11-20T10:00:00+01:00"}',
        },
    )
    assert "phone call in" in r.content.decode()
    r = member_client.post("/automations/dry-run/", {"kind": "callback", "payload": "not json"})
    assert r.status_code == 200 and "errorlist" in r.content.decode()

    assert not SyncRecord.objects.unscoped().exists()


def test_ticket_times_use_the_tenant_time_zone(member_client, tenant, connector):
    Trigger.objects.create(
        tenant=tenant, connector=connector, name="Any", subject_template="{started_at}"
    )
    payload = '{"status": "missed", "started_at": "2026-11-20T09:00:05+00:00"}'
    r = member_client.post("/automations/dry-run/", {"kind": "call", "payload": payload})
    assert "2026-11-20 10:00:05 CET" in r.content.decode()  # Acme is in Europe/Prague
