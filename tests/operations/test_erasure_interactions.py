"""Erasure of interactions (API.md "Erasure"): by e-mail in any case, by phone in any format;
their outbox rows go with them and no table keeps the address."""

import re

from django.utils import timezone

from calls.models import Interaction
from connectors.models import ConnectorAuditEntry
from delivery.models import AttemptOutcome, DeliveryAttempt, SyncRecord, SyncState
from tests.factories import make_connector
from tests.operations.test_erasure import URL, person_rows, traces

INGEST = "/api/v1/interactions/"


def item(iid, channel, address, **more):
    return {
        "interaction_id": iid,
        "channel": channel,
        "direction": "in",
        "address": address,
        "queue": "Support",
        "agent_email": "agent@acme.example",
        "started_at": "2026-11-20T10:00:05+01:00",
        "subject": more.pop("subject", "Hello"),
        "body": more.pop("body", "..."),
        **more,
    }


def ingest(api, items):
    response = api.post(INGEST, items, format="json")
    assert response.status_code == 202, response.content
    return response.json()


def outbox_row(tenant, crm, iid, payload):
    """A delivered CRM write about the interaction, with its attempt."""
    ix = Interaction.objects.for_tenant(tenant).get(interaction_id=iid)
    now = timezone.now()
    record = SyncRecord.objects.create(
        tenant=tenant,
        connector=crm,
        kind="interaction_log",
        key=f"ix-{iid}",
        interaction=ix,
        state=SyncState.SYNCED,
        payload=payload,
    )
    DeliveryAttempt.objects.create(
        tenant=tenant,
        record=record,
        number=1,
        started_at=now,
        finished_at=now,
        outcome=AttemptOutcome.SYNCED,
    )
    return record


def test_erasure_by_phone_removes_chat_and_sms_in_any_format(api, tenant, other_tenant):
    crm = person_rows(tenant)
    ingest(
        api,
        [
            item("sms-1", "sms", "+420 773 794 804", body="Call me back on 773794804"),
            item("chat-1", "chat", "773794804"),  # national: normalised with the region
            item("sms-2", "sms", "00420773794804"),
            item("sms-keep", "sms", "+421913794804"),  # shares only the last 7 digits
            item("chat-keep", "chat", "+420601222333"),
            item("mail-keep", "email", "jana@example.com"),  # another address of the person
        ],
    )
    outbox_row(tenant, crm, "sms-1", {"phone": "+420773794804", "subject": "SMS 773 794 804"})
    assert len(traces(tenant)) >= 14

    response = api.post(URL, {"phone": "773 794 804"}, format="json")

    assert response.status_code == 200, response.content
    counts = response.json()
    assert counts["interactions"] == 3 and counts["calls"] == 1 and counts["contacts"] == 1
    assert traces(tenant) == []
    assert set(Interaction.objects.for_tenant(tenant).values_list("interaction_id", flat=True)) == {
        "sms-keep",
        "chat-keep",
        "mail-keep",
    }
    assert not SyncRecord.objects.for_tenant(tenant).filter(key="ix-sms-1").exists()
    assert not DeliveryAttempt.objects.for_tenant(tenant).filter(record__key="ix-sms-1").exists()
    entry = ConnectorAuditEntry.objects.for_tenant(tenant).get(action="erasure")
    assert entry.changes["interactions"] == 3 and entry.changes["by"] == "phone"
    assert "773" not in str(entry.changes)


def test_erasure_by_email_is_case_insensitive_and_leaves_no_trace(api, tenant, other_tenant):
    crm = make_connector(tenant, name="crm")
    mails = [
        item("em-1", "email", "Jane.Doe@Example.com", subject="Refund for jane.doe@example.com"),
        item("em-2", "email", "jane.doe@example.com"),
        item("em-keep", "email", "john@example.com", body="cc: someone else"),
    ]
    ingest(api, mails)
    outbox_row(tenant, crm, "em-2", {"email": "jane.doe@example.com"})
    other_api_rows = Interaction.objects.for_tenant(other_tenant).count()

    response = api.post(URL, {"email": "JANE.DOE@example.COM"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["interactions"] == 2
    left = Interaction.objects.for_tenant(tenant).values_list("interaction_id", flat=True)
    assert list(left) == ["em-keep"]
    assert not SyncRecord.objects.for_tenant(tenant).filter(key="ix-em-2").exists()
    assert traces(tenant, re.compile(r"jane\.doe@example\.com", re.I), ["jane.doe@"]) == []
    assert Interaction.objects.for_tenant(other_tenant).count() == other_api_rows
    entry = ConnectorAuditEntry.objects.for_tenant(tenant).get(action="erasure")
    assert entry.changes["interactions"] == 2 and entry.changes["by"] == "email"


def test_the_erasure_form_previews_and_counts_interactions(client, admin_user, api, tenant):
    ingest(api, [item("sms-1", "sms", "+420773794804"), item("sms-2", "sms", "773 794 804")])
    client.force_login(admin_user)
    preview = client.post("/operations/erasure/", {"phone": "+420 773 794 804"})
    assert preview.status_code == 200
    assert "<dt>Interactions</dt><dd>2</dd>" in preview.content.decode()
    assert Interaction.objects.for_tenant(tenant).count() == 2  # the preview deleted nothing
    done = client.post(
        "/operations/erasure/", {"phone": "+420 773 794 804", "confirm": "1"}, follow=True
    )
    assert "2 interactions" in done.content.decode()
    assert not Interaction.objects.for_tenant(tenant).exists()
    assert "2 interactions" in client.get("/operations/retention/").content.decode()
