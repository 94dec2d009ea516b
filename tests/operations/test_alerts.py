"""Alerts: one e-mail and one signed webhook per condition and connector, then a "resolved"."""

import json
from datetime import timedelta

from django.core import mail
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from connectors.models import ConnectorStatus
from delivery.models import SyncRecord, SyncState
from jobs.models import Job, JobStatus
from operations.models import AlertState, Channel, Condition, Notification
from tests.factories import make_connector


def verified(config, request) -> dict:
    """The payload, verified with the standardwebhooks library and the tenant's secret."""
    return Webhook(config.webhook_secret).verify(request["body"], request["headers"])


def test_dead_delivery_sends_one_email_one_signed_webhook_then_resolved(
    tenant, alert_settings, receiver, evaluate
):
    connector = make_connector(tenant, name="Sales CRM", status=ConnectorStatus.AUTHORIZED)
    row = SyncRecord.objects.create(
        tenant=tenant, connector=connector, key="k1", state=SyncState.DEAD, last_error="HTTP 400"
    )
    evaluate()
    evaluate()  # still dead: nothing more is sent
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@acme.test"]
    assert mail.outbox[0].subject == "[Problem] Deliveries gave up (dead): Sales CRM"
    assert "1 deliveries gave up" in mail.outbox[0].body
    assert len(receiver.requests) == 1
    fired = verified(alert_settings, receiver.requests[0])
    assert fired["type"] == "alert.firing"
    assert fired["data"]["condition"] == "dead_delivery"
    assert fired["data"]["connector"] == {
        "id": connector.pk,
        "name": "Sales CRM",
        "kind": "salesforce",
    }
    assert fired["data"]["tenant"] == "acme"

    row.state = SyncState.SYNCED  # the admin fixed the cause and retried: it went through
    row.save()
    evaluate()
    evaluate()
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "[Resolved] Deliveries gave up (dead): Sales CRM"
    assert len(receiver.requests) == 2
    resolved = verified(alert_settings, receiver.requests[1])
    assert resolved["type"] == "alert.resolved" and resolved["data"]["status"] == "resolved"
    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    assert len(ids) == 2  # one message id per notification


def test_a_forged_or_other_secret_does_not_verify(tenant, alert_settings, receiver, evaluate):
    make_connector(tenant, name="CRM", status=ConnectorStatus.NEEDS_REAUTH)
    evaluate()
    request = receiver.requests[0]
    try:
        Webhook("whsec_" + "A" * 43 + "=").verify(request["body"], request["headers"])
    except WebhookVerificationError:
        pass
    else:
        raise AssertionError("another secret verified the signature")
    tampered = request["body"].replace(b"needs_reauth", b"backlog")
    try:
        Webhook(alert_settings.webhook_secret).verify(tampered, request["headers"])
    except WebhookVerificationError:
        pass
    else:
        raise AssertionError("a changed body verified")


def test_each_condition_is_detected_per_connector(tenant, alert_settings, receiver, evaluate):
    now = timezone.now()
    make_connector(tenant, name="Reauth", status=ConnectorStatus.NEEDS_REAUTH)
    late = make_connector(tenant, name="Late", status=ConnectorStatus.AUTHORIZED)
    fresh = make_connector(tenant, name="Fresh", status=ConnectorStatus.AUTHORIZED)
    syncing = make_connector(tenant, name="Sync", status=ConnectorStatus.AUTHORIZED)
    old = SyncRecord.objects.create(
        tenant=tenant, connector=late, key="old", state=SyncState.PENDING
    )
    SyncRecord.objects.unscoped().filter(pk=old.pk).update(created_at=now - timedelta(minutes=31))
    SyncRecord.objects.create(tenant=tenant, connector=fresh, key="new", state=SyncState.PENDING)
    Job.objects.create(
        tenant=tenant,
        kind="contact_sync",
        connector=syncing,
        status=JobStatus.SUCCEEDED,
        finished_at=now - timedelta(hours=2),
    )
    failed = Job.objects.create(
        tenant=tenant,
        kind="contact_sync",
        connector=syncing,
        status=JobStatus.FAILED,
        finished_at=now - timedelta(hours=1),
        error="CRM said 500",
    )
    evaluate()
    active = set(
        AlertState.objects.for_tenant(tenant)
        .filter(active=True)
        .values_list("connector__name", "condition")
    )
    assert active == {
        ("Reauth", Condition.NEEDS_REAUTH),
        ("Late", Condition.BACKLOG),
        ("Sync", Condition.CONTACT_SYNC_FAILED),
    }
    assert len(mail.outbox) == 3 and len(receiver.requests) == 3
    backlog = next(m for m in mail.outbox if "Late" in m.subject)
    assert "31 minutes old" in backlog.body

    Job.objects.create(
        tenant=tenant,
        kind="contact_sync",
        connector=syncing,
        status=JobStatus.SUCCEEDED,
        finished_at=failed.finished_at + timedelta(minutes=5),
    )
    evaluate()
    assert [m.subject for m in mail.outbox[3:]] == ["[Resolved] Contact sync failed: Sync"]


def test_a_transient_webhook_failure_is_retried_with_the_same_id_and_no_second_email(
    tenant, alert_settings, receiver, evaluate
):
    receiver.statuses = [503, 503, 503]  # the seam's inline retries and then Celery's retry
    make_connector(tenant, name="CRM", status=ConnectorStatus.NEEDS_REAUTH)
    evaluate()
    note = Notification.objects.for_tenant(tenant).get()
    assert note.webhook_state == Channel.SENT and note.email_state == Channel.SENT
    assert note.attempts >= 2
    assert len(mail.outbox) == 1
    assert len(receiver.requests) >= 2
    assert {r["headers"]["webhook-id"] for r in receiver.requests} == {note.msg_id}
    verified(alert_settings, receiver.requests[-1])


def test_a_webhook_to_a_refused_address_fails_without_retrying(
    tenant, alert_settings, evaluate, settings
):
    settings.OUTBOUND_ALLOWED_NETWORKS = []  # the operator withdrew loopback
    make_connector(tenant, name="CRM", status=ConnectorStatus.NEEDS_REAUTH)
    evaluate()
    note = Notification.objects.for_tenant(tenant).get()
    assert note.email_state == Channel.SENT
    assert note.webhook_state == Channel.FAILED
    assert note.attempts == 1
    assert "does not connect to internal addresses" in note.last_error


def test_without_settings_the_tenant_admins_get_the_email(tenant, admin_user, evaluate):
    make_connector(tenant, name="CRM", status=ConnectorStatus.NEEDS_REAUTH)
    evaluate()
    assert [m.to for m in mail.outbox] == [[admin_user.email]]
    note = Notification.objects.for_tenant(tenant).get()
    assert note.webhook_state == Channel.OFF


def test_another_tenants_problem_is_not_sent_to_this_tenant(
    tenant, other_tenant, alert_settings, receiver, evaluate
):
    make_connector(other_tenant, name="Theirs", status=ConnectorStatus.NEEDS_REAUTH)
    evaluate()
    assert mail.outbox == [] or all("ops@acme.test" not in m.to for m in mail.outbox)
    assert receiver.requests == []
    assert json.dumps([n.payload for n in Notification.objects.unscoped()]).count("acme") == 0
