"""POST/GET /api/v1/interactions/: idempotency, validation, decisions, delivery (fake CRM)."""

import pytest

from calls.models import CallSyncSettings, Interaction
from contacts.models import UserMapping
from delivery.models import SyncRecord
from tests.contacts.helpers import make_contact

URL = "/api/v1/interactions/"


def item(iid="em-1001", channel="email", address="Jane@Example.com", **extra):
    data = {
        "interaction_id": iid,
        "channel": channel,
        "direction": "in",
        "address": address,
        "queue": "Support",
        "agent_email": "j.doe@acme.com",
        "started_at": "2026-11-20T10:00:05+01:00",
        "ended_at": "2026-11-20T10:09:00+01:00",
        "subject": "Refund",
        "body": "Where is my money?",
        "notes": "",
        "disposition": "",
        "tags": [],
    }
    return data | extra


@pytest.fixture
def post(api, run_on_commit):
    def send(body, expect=202):
        response = run_on_commit(api.post, URL, body, format="json")
        assert response.status_code == expect, response.json()
        return response.json()

    return send


def sync_of(tenant, iid):
    (row,) = SyncRecord.objects.for_tenant(tenant).filter(interaction__interaction_id=iid)
    return row


def test_email_logged_once_and_a_changed_resend_updates_the_same_record(
    post, tenant, ix_connector, ix_crm
):
    assert post(item()) == {"accepted": 1, "duplicates": 0}
    row = sync_of(tenant, "em-1001")
    assert row.state == "synced" and row.crm_record_id == "00T00001"
    (log,) = [r["log"] for r in ix_crm.records.values()]
    assert log.channel == "email" and log.address == "Jane@Example.com"
    assert log.subject == "Refund" and "Queue: Support" in log.description
    assert post(item()) == {"accepted": 0, "duplicates": 1}  # identical: nothing sent
    assert ix_crm.requests == 1
    assert post(item(notes="Refund approved", disposition="Solved")) == {
        "accepted": 1,
        "duplicates": 0,
    }
    (record,) = ix_crm.records.values()
    assert record["writes"] == 2 and record["log"].disposition == "Solved"
    assert record["log"].crm_record_id == "00T00001"  # updated by the stored id
    assert Interaction.objects.for_tenant(tenant).get().notes == "Refund approved"


def test_batch_counts_and_a_bad_item_stores_nothing(post, api, tenant, ix_connector):
    body = post([item("c-1", "chat", "+420 773 794 804"), item("c-2", "chat", "773794805")], 202)
    assert body == {"accepted": 2, "duplicates": 0}
    assert Interaction.objects.for_tenant(tenant).get(interaction_id="c-1").address_key == (
        "+420773794804"
    )
    bad = [item("e-1"), item("e-2", address="not-an-email"), item("e-3", channel="fax")]
    error = post(bad, 400)["error"]
    assert set(error["fields"]) == {"1", "2"}
    assert "address" in error["fields"]["1"] and "channel" in error["fields"]["2"]
    assert not Interaction.objects.for_tenant(tenant).filter(interaction_id="e-1").exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"address": "+420773794804"}, "address"),  # a phone for an email
        ({"channel": "sms", "address": "jane@example.com"}, "address"),
        ({"direction": "internal"}, "direction"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"started_at": "2026-11-20T10:00:05"}, "started_at"),
        ({"ended_at": "2026-11-20T09:00:00+01:00"}, "ended_at"),
        ({"subject": "x" * 256}, "subject"),
        ({"tags": ["ok", 3]}, "tags"),
        ({"interaction_id": ""}, "interaction_id"),
        ({"agent_email": "nobody"}, "agent_email"),
    ],
)
def test_bad_fields_are_400_naming_them(post, tenant, change, field):
    assert field in post(item(**change), 400)["error"]["fields"]
    assert not Interaction.objects.for_tenant(tenant).exists()


def test_too_many_and_not_json(api, tenant):
    assert api.post(URL, [item(f"x{i}") for i in range(1001)], format="json").status_code == 400
    assert api.post(URL, "a=1", content_type="text/plain").status_code == 415


def test_skips_unsupported_channel_channel_off_and_disabled(post, tenant, ix_connector, ix_crm):
    post(item("s-1", "sms", "+420773794804"))
    row = sync_of(tenant, "s-1")
    assert (row.state, row.reason) == ("skipped", "unsupported_channel")
    conf = CallSyncSettings.for_connector(ix_connector)
    conf.channels = ["call", "email"]
    conf.save()
    post(item("c-1", "chat", "+420773794804"))
    assert sync_of(tenant, "c-1").reason == "channel_off"
    conf.enabled = False
    conf.save()
    post(item("e-9"))
    assert sync_of(tenant, "e-9").reason == "sync_disabled"
    assert ix_crm.requests == 0


def test_reason_texts_are_human(api, post, tenant, ix_connector):
    post(item("s-1", "sms", "+420773794804"))
    (sync,) = api.get(URL + f"{Interaction.objects.for_tenant(tenant).get().pk}/").json()["sync"]
    assert sync["reason"] == "unsupported_channel"
    assert sync["reason_text"] == "not synced: Fake IX CRM cannot hold sms interactions"


def test_owner_and_contact_matched_by_email_and_phone(post, tenant, ix_connector, ix_crm):
    UserMapping.objects.create(
        tenant=tenant,
        connector=ix_connector,
        agent_id="jdoe",
        agent_email="J.Doe@acme.com",
        crm_user_id="005AGENT",
    )
    make_contact(tenant, ix_connector, crm_id="003MAIL", phones=(), email="jane@EXAMPLE.com")
    make_contact(tenant, ix_connector, crm_id="003TEL", phones=("+420 773 794 804",))
    post([item("e-1"), item("c-1", "chat", "773 794 804", agent_email="anna@acme.com")])
    logs = {r["log"].key.split(":")[1]: r["log"] for r in ix_crm.records.values()}
    assert (logs["e-1"].contact_crm_id, logs["e-1"].owner_crm_id) == ("003MAIL", "005AGENT")
    assert logs["c-1"].contact_crm_id == "003TEL" and logs["c-1"].owner_crm_id == ""
    assert sync_of(tenant, "e-1").match["crm_id"] == "003MAIL"
    conf = CallSyncSettings.for_connector(ix_connector)
    conf.default_owner_crm_id = "005DEF"
    conf.save()
    post(item("c-2", "chat", "+420 600 000 001", agent_email="anna@acme.com"))
    assert ix_crm.records[f"{tenant.pk}:c-2"]["log"].owner_crm_id == "005DEF"
    assert ix_crm.records[f"{tenant.pk}:c-2"]["log"].contact_crm_id == ""


def test_no_connector_entry(api, post, tenant):
    post(item())
    pk = Interaction.objects.for_tenant(tenant).get().pk
    (sync,) = api.get(URL + f"{pk}/").json()["sync"]
    assert sync["reason"] == "no_connector" and sync["kind"] == "interaction_log"


def test_openapi_describes_interactions(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    post = paths["/api/v1/interactions/"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert "202" in post["responses"] and len(body["oneOf"]) == 2
    params = {p["name"] for p in paths["/api/v1/interactions/"]["get"]["parameters"]}
    assert {"channel", "address", "agent_email", "since", "until"} <= params
    assert "/api/v1/interactions/{id}/" in paths
