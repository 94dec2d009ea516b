"""Retry decides again: rebuilt from today's settings, skips whose reason went away are sent;
single (API, call page) and bulk (a job over the calls-list filter)."""

import pytest

from calls.models import Call, CallSyncSettings
from connectors.models import ConnectorStatus
from connectors.types import WriteResult
from delivery.models import SyncRecord
from jobs.models import Job
from tests.calls.conftest import call_events

URL = "/api/v1/call-events/"
T0 = "2026-11-20T10:00:00+01:00"


def post(api, run_on_commit, events):
    response = run_on_commit(api.post, URL, events, format="json")
    assert response.status_code == 202, response.json()


def needs_owner(calls):
    """The CRM refuses a call log without an owner (a permanent error: the row dies)."""
    return [
        WriteResult(key=c.key, crm_id="00T1")
        if c.owner_crm_id
        else WriteResult(key=c.key, error="OWNER_REQUIRED", permanent=True)
        for c in calls
    ]


def row(tenant, call_id="R1") -> SyncRecord:
    return SyncRecord.objects.for_tenant(tenant).get(call__call_id=call_id)


def settings_of(connector, **fields) -> CallSyncSettings:
    conf = CallSyncSettings.for_connector(connector)
    for name, value in fields.items():
        setattr(conf, name, value)
    conf.save()
    return conf


def test_retry_after_fixing_the_default_owner_rebuilds_and_succeeds(
    api, tenant, fake_connector, fake_crm, run_on_commit, member_client
):
    fake_crm.faults += [needs_owner, needs_owner]
    post(api, run_on_commit, call_events("R1", start=T0))
    assert row(tenant).state == "dead" and "OWNER_REQUIRED" in row(tenant).last_error
    # Re-sending the first payload would fail the same way:
    settings_of(fake_connector, default_owner_crm_id="005DEF")
    response = run_on_commit(api.post, f"/api/v1/calls/{row(tenant).call_id}/retry/")
    assert response.status_code == 202
    body = response.json()
    assert body["requeued"] == 1
    assert body["outcomes"][0]["note"] == "rebuilt: owner now 005DEF (was none)"
    record = row(tenant)
    assert record.state == "synced" and record.payload["owner_crm_id"] == "005DEF"
    assert record.retry_note == "rebuilt: owner now 005DEF (was none)"
    entry = api.get(f"/api/v1/calls/{record.call_id}/").json()["sync"][0]
    assert entry["retry_note"] == "rebuilt: owner now 005DEF (was none)"
    page = member_client.get(f"/calls/{record.call_id}/").content.decode()
    assert "rebuilt: owner now 005DEF (was none)" in page


def test_a_skip_for_a_disabled_connector_is_sent_after_reenabling(
    api, tenant, fake_connector, fake_crm, run_on_commit, client, support_user
):
    fake_connector.status = ConnectorStatus.DISABLED
    fake_connector.save()
    post(api, run_on_commit, call_events("R1", start=T0))
    assert (row(tenant).state, row(tenant).reason) == ("skipped", "not_authorized")
    client.force_login(support_user)
    call_pk = row(tenant).call_id
    response = run_on_commit(client.post, f"/calls/{call_pk}/retry/")  # still disabled
    assert response.status_code == 302 and row(tenant).retry_note == "still skipped: not_authorized"
    assert fake_crm.records == {}
    fake_connector.status = ConnectorStatus.AUTHORIZED
    fake_connector.save()
    page = run_on_commit(client.post, f"/calls/{call_pk}/retry/", follow=True).content.decode()
    assert "sent: connector enabled again" in page
    assert row(tenant).state == "synced" and len(fake_crm.records) == 1


def test_min_duration_lowered_sends_and_private_stays_skipped(
    api, tenant, fake_connector, fake_crm, run_on_commit
):
    settings_of(fake_connector, min_duration_seconds=60)
    post(api, run_on_commit, call_events("R1", start=T0, duration=30))
    post(
        api, run_on_commit, call_events("R2", start="2026-11-21T10:00:00+01:00", privacy="private")
    )
    assert row(tenant, "R1").reason == "below_min_duration"
    settings_of(fake_connector, min_duration_seconds=10)
    for call_id in ("R1", "R2"):
        run_on_commit(api.post, f"/api/v1/calls/{row(tenant, call_id).call_id}/retry/")
    assert row(tenant, "R1").state == "synced"
    assert row(tenant, "R1").retry_note == "sent: the minimum duration is now 10 s"
    assert (row(tenant, "R2").state, row(tenant, "R2").retry_note) == (
        "skipped",
        "still skipped: private",
    )
    assert len(fake_crm.records) == 1


@pytest.fixture
def three_calls(api, tenant, fake_connector, run_on_commit):
    settings_of(fake_connector, min_duration_seconds=60)
    post(api, run_on_commit, call_events("S1", start=T0, duration=30))
    post(api, run_on_commit, call_events("S2", start="2026-11-21T10:00:00+01:00", duration=30))
    post(
        api,
        run_on_commit,
        call_events("S3", start="2026-11-22T10:00:00+01:00", duration=30, queue="Sales"),
    )
    settings_of(fake_connector, min_duration_seconds=0)


def test_bulk_retry_over_the_api_is_a_job_with_progress(
    api, other_api, tenant, fake_connector, fake_crm, three_calls, run_on_commit
):
    assert other_api.post("/api/v1/calls/retry/").status_code == 202  # another tenant's run
    assert SyncRecord.objects.for_tenant(tenant).filter(state="synced").count() == 0
    response = run_on_commit(api.post, "/api/v1/calls/retry/?queue=Support")
    assert response.status_code == 202, response.json()
    job = api.get(f"/api/v1/jobs/{response.json()['id']}/").json()
    assert job["status"] == "succeeded" and job["kind"] == "call_retry"
    assert job["progress"] == {"done": 2, "total": 2}
    result = job["result"]
    assert (result["calls"], result["queued"], result["filters"]) == (2, 2, {"queue": "Support"})
    assert sorted(c["call_id"] for c in result["changes"]) == ["S1", "S2"]
    assert result["changes"][0]["notes"] == ["Fake: sent: the minimum duration is now 0 s"]
    states = dict(SyncRecord.objects.for_tenant(tenant).values_list("call__call_id", "state"))
    assert states == {"S1": "synced", "S2": "synced", "S3": "skipped"}
    # The same filter names in a JSON body; a bad one is a 400 naming it, and no job.
    jobs = Job.objects.for_tenant(tenant).count()
    bad = api.post("/api/v1/calls/retry/", {"since": "yesterday"}, format="json")
    assert bad.status_code == 400 and "since" in bad.json()["error"]["fields"]
    assert Job.objects.for_tenant(tenant).count() == jobs


def test_bulk_retry_from_the_calls_list(
    client, support_user, viewer_user, tenant, three_calls, run_on_commit
):
    client.force_login(viewer_user)
    assert "retry-all" not in client.get("/calls/?queue=Sales").content.decode()
    assert client.post("/calls/retry/?queue=Sales").status_code == 403
    client.force_login(support_user)
    assert "Retry all 1 matching" in client.get("/calls/?queue=Sales").content.decode()
    response = run_on_commit(client.post, "/calls/retry/?queue=Sales")
    job = Job.objects.for_tenant(tenant).get(kind="call_retry")
    assert response.status_code == 302 and response.url == f"/calls/retry-jobs/{job.pk}/"
    page = client.get(response.url).content.decode()
    assert "Succeeded" in page and "1 / 1 calls" in page
    assert "S3" in page and "sent: the minimum duration is now 0 s" in page
    assert row(tenant, "S3").state == "synced"
    progress = client.get(f"/calls/retry-jobs/{job.pk}/progress/").content.decode()
    assert "hx-get" not in progress  # finished: no more polling


def test_retry_leaves_synced_rows_alone(api, tenant, fake_connector, fake_crm, run_on_commit):
    post(api, run_on_commit, call_events("R1", start=T0))
    call = Call.objects.for_tenant(tenant).get()
    body = run_on_commit(api.post, f"/api/v1/calls/{call.pk}/retry/").json()
    assert body == {
        "requeued": 0,
        "outcomes": [
            {
                "connector": fake_connector.pk,
                "state": "synced",
                "note": "unchanged: already in the CRM",
            }
        ],
    }
    assert fake_crm.requests == 1
