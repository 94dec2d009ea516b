"""The alert settings page (write-only encrypted secret, address policy, send test) and the
Overview's health card."""

from django.core import mail
from django.db import connection
from standardwebhooks.webhooks import Webhook

from connectors.models import ConnectorStatus
from delivery.models import SyncRecord, SyncState
from jobs.models import Job, JobStatus
from operations.models import NotificationSettings, RetentionSettings
from portal.celery import app
from tests.factories import make_connector
from tests.operations.conftest import new_secret

URL = "/operations/notifications/"


def test_settings_store_the_secret_encrypted_and_never_show_it(member_client, tenant, receiver):
    secret = new_secret()
    response = member_client.post(
        URL,
        {
            "email_enabled": "on",
            "recipients": "ops@acme.test; oncall@acme.test",
            "webhook_url": receiver.url,
            "webhook_secret": secret,
            "backlog_minutes": "15",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    config = NotificationSettings.objects.for_tenant(tenant).get()
    assert config.webhook_secret == secret and config.backlog_minutes == 15
    assert config.recipient_list() == ["ops@acme.test", "oncall@acme.test"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT webhook_secret FROM operations_notificationsettings")
        stored = cursor.fetchone()[0]
    assert secret not in stored and secret[6:20] not in stored
    page = member_client.get(URL).content.decode()
    assert secret not in page and secret[6:20] not in page
    assert '<span class="badge ok">set</span>' in page

    # Saved again without a secret: the stored one stays.
    member_client.post(
        URL, {"email_enabled": "on", "webhook_url": receiver.url, "backlog_minutes": "20"}
    )
    config.refresh_from_db()
    assert config.webhook_secret == secret and config.backlog_minutes == 20


def test_a_private_webhook_url_is_refused_at_save_time(member_client, tenant, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    response = member_client.post(
        URL,
        {
            "webhook_url": "http://10.1.2.3/hook",
            "webhook_secret": new_secret(),
            "backlog_minutes": "30",
        },
    )
    assert response.status_code == 200
    assert "internal addresses" in response.content.decode()
    assert not NotificationSettings.objects.for_tenant(tenant).exists()


def test_a_webhook_needs_a_valid_secret(member_client, tenant, receiver):
    for secret, message in (("", "Give a signing secret"), ("short", "Standard Webhooks secret")):
        response = member_client.post(
            URL, {"webhook_url": receiver.url, "webhook_secret": secret, "backlog_minutes": "30"}
        )
        assert message in response.content.decode()
    assert not NotificationSettings.objects.for_tenant(tenant).exists()


def test_send_test_mails_and_posts_a_signed_test(member_client, tenant, alert_settings, receiver):
    response = member_client.post("/operations/notifications/test/", follow=True)
    body = response.content.decode()
    assert "E-mail sent to ops@acme.test." in body and "Webhook delivered (2xx)." in body
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.startswith("[Test]")
    payload = Webhook(alert_settings.webhook_secret).verify(
        receiver.requests[0]["body"], receiver.requests[0]["headers"]
    )
    assert payload["type"] == "alert.test"


def test_send_test_reports_a_failing_webhook(member_client, tenant, alert_settings, receiver):
    receiver.statuses = [404]
    body = member_client.post("/operations/notifications/test/", follow=True).content.decode()
    assert "Webhook failed: HTTP 404" in body


def test_settings_pages_are_for_admins(client, viewer_user, support_user):
    for user in (viewer_user, support_user):
        client.force_login(user)
        for url in (URL, "/operations/retention/", "/operations/erasure/"):
            assert client.get(url).status_code == 403
        assert client.post("/operations/notifications/test/").status_code == 403


def test_retention_page_saves_periods(member_client, tenant):
    response = member_client.post(
        "/operations/retention/",
        {"call_events_days": "30", "calls_days": "365", "audit_days": "", "jobs_days": "0"},
    )
    assert (
        response.status_code == 200
        and "Ensure this value is greater than or equal to 1" in response.content.decode()
    )
    member_client.post("/operations/retention/", {"call_events_days": "30", "calls_days": "365"})
    config = RetentionSettings.objects.for_tenant(tenant).get()
    assert (config.call_events_days, config.calls_days, config.audit_days) == (30, 365, None)


def test_overview_shows_health_with_links_to_fixes(member_client, tenant):
    ok = make_connector(tenant, name="Healthy", status=ConnectorStatus.AUTHORIZED)
    bad = make_connector(tenant, name="Broken", status=ConnectorStatus.NEEDS_REAUTH)
    SyncRecord.objects.create(tenant=tenant, connector=bad, key="x", state=SyncState.DEAD)
    SyncRecord.objects.create(tenant=tenant, connector=ok, key="y", state=SyncState.PENDING)
    Job.objects.create(tenant=tenant, kind="contact_sync", connector=bad, status=JobStatus.FAILED)
    Job.objects.unscoped().update(finished_at="2026-01-02T03:04:05Z")
    body = member_client.get("/").content.decode()
    assert 'id="health"' in body and "1 connector needs attention" in body
    assert f'href="/integrations/{bad.pk}/configure/">Needs re-authorization' in body
    assert f'href="/calls/?sync_state=dead&amp;connector={bad.pk}">1</a>' in body
    assert 'href="/calls/dashboard/">0 min</a>' in body
    assert 'href="/contacts/sync/"><span class="badge err">failed</span>' in body


def test_overview_without_connectors_has_no_health_card(member_client):
    assert 'id="health"' not in member_client.get("/").content.decode()


def test_beat_runs_the_evaluation_and_the_purge():
    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"operations.evaluate_alerts", "operations.purge_expired"} <= schedule
    app.loader.import_default_modules()
    assert {
        "operations.evaluate_alerts",
        "operations.purge_expired",
        "operations.send_notification",
    } <= set(app.tasks)


def test_a_viewer_sees_health_with_links_they_may_open(client, viewer_user, tenant):
    bad = make_connector(tenant, name="Broken", status=ConnectorStatus.ERROR)
    client.force_login(viewer_user)
    body = client.get("/").content.decode()
    assert 'href="/integrations/">Error</a>' in body
    assert f"/integrations/{bad.pk}/configure/" not in body
    assert client.get("/integrations/").status_code == 200
