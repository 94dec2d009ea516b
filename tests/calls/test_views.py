import csv
import io

import pytest

from calls.models import Call, CallSyncSettings, WebhookSecret
from calls.services import fold_calls
from delivery.models import SyncRecord
from tests.calls.conftest import call_events
from tests.calls.fakes import transient

URL = "/api/v1/call-events/"


@pytest.fixture
def failed_call(api, tenant, fake_connector, run_on_commit, settings):
    settings.CALLS_MAX_ATTEMPTS = 1
    fake_connector.connector.crm.faults.append(transient("HTTP 503 from fake: down"))
    run_on_commit(api.post, URL, call_events("V1", caller="=cmd|' /C calc'!A0"), format="json")
    events = call_events(
        "V2", start="2026-11-20T11:00:00+01:00", caller="+420601000111", duration=2
    )
    run_on_commit(api.post, URL, events, format="json")
    return Call.objects.get(tenant=tenant, call_id="V1")


def test_list_and_detail_for_viewer_without_retry(client, viewer_user, failed_call):
    client.force_login(viewer_user)
    page = client.get("/calls/").content.decode()
    assert "Fake: dead" in page and "Fake: synced" in page
    detail = client.get(f"/calls/{failed_call.pk}/").content.decode()
    assert "HTTP 503 from fake: down" in detail and "Retry" not in detail
    assert client.post(f"/calls/{failed_call.pk}/retry/").status_code == 403


def test_support_retries(client, support_user, failed_call, django_capture_on_commit_callbacks):
    client.force_login(support_user)
    assert "Retry (decide again)" in client.get(f"/calls/{failed_call.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/calls/{failed_call.pk}/retry/")
    assert response.status_code == 302
    assert SyncRecord.objects.unscoped().get(call=failed_call).state == "synced"


def test_filters_and_csv_export(client, support_user, failed_call):
    client.force_login(support_user)
    page = client.get("/calls/", {"sync_state": "dead"}).content.decode()
    assert f"/calls/{failed_call.pk}/" in page
    assert "1 call." in page
    response = client.get("/calls/", {"phone": "601 000 111", "export": "csv"})
    assert response.streaming  # the export is streamed
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "call_id" and [r[0] for r in rows[1:]] == ["V2"]
    body = b"".join(client.get("/calls/?export=csv").streaming_content).decode()
    all_rows = list(csv.reader(io.StringIO(body)))
    v1 = next(r for r in all_rows if r[0] == "V1")
    assert v1[3].startswith("'=")  # formula neutralised


def test_reason_in_plain_words_on_call_page(client, support_user, failed_call, fake_connector):

    client.force_login(support_user)
    v2 = Call.objects.unscoped().get(call_id="V2")
    assert SyncRecord.objects.unscoped().get(call=v2).state == "synced"
    conf = CallSyncSettings.for_connector(fake_connector)
    conf.min_duration_seconds = 10
    conf.save()
    SyncRecord.objects.unscoped().filter(call=v2).delete()
    Call.objects.unscoped().filter(pk=v2.pk).update(decided_at=None)

    fold_calls(v2.tenant_id, ["V2"])
    page = client.get(f"/calls/{v2.pk}/").content.decode()
    assert "not synced: the call lasted 2 s, below the 10 s minimum" in page


def test_dashboard(client, viewer_user, failed_call):
    client.force_login(viewer_user)
    page = client.get("/calls/dashboard/").content.decode()
    assert "daily-chart" in page and "bar-failed" in page


def test_settings_pages_are_admin_only(client, admin_user, support_user, fake_connector):
    client.force_login(support_user)
    assert client.get("/calls/settings/").status_code == 403
    client.force_login(admin_user)
    assert "Fake" in client.get("/calls/settings/").content.decode()
    url = f"/calls/settings/{fake_connector.pk}/"
    response = client.post(
        url,
        {
            "enabled": "on",
            "min_duration_seconds": "15",
            "start_margin_seconds": "60",
            "subject_template": "{phone}",
        },
    )
    assert response.status_code == 302
    assert fake_connector.call_sync_settings.min_duration_seconds == 15
    bad = client.post(
        url,
        {"min_duration_seconds": "1", "start_margin_seconds": "1", "subject_template": "{secret}"},
    )
    assert "Unknown placeholder" in bad.content.decode()


def test_secret_generate_shows_once_then_retire(client, admin_user, tenant):
    client.force_login(admin_user)
    page = client.post("/calls/settings/secrets/", {"label": "pbx"}).content.decode()
    secret = WebhookSecret.objects.get(tenant=tenant)
    assert secret.secret in page
    assert secret.secret not in client.get("/calls/settings/").content.decode()
    asked = client.post(f"/calls/settings/secrets/{secret.pk}/retire/")  # a confirm page first
    assert asked.status_code == 200 and "Retire the secret" in asked.content.decode()
    secret.refresh_from_db()
    assert secret.retired_at is None
    client.post(f"/calls/settings/secrets/{secret.pk}/retire/", {"confirmed": "yes"})
    secret.refresh_from_db()
    assert secret.retired_at is not None


def test_other_tenants_calls_not_listed(client, other_tenant, failed_call):
    from tests.conftest import make_user

    client.force_login(make_user("x@globex.test", other_tenant))
    page = client.get("/calls/").content.decode()
    assert f"/calls/{failed_call.pk}/" not in page and "No calls yet" in page
    assert client.get(f"/calls/{failed_call.pk}/").status_code == 404
