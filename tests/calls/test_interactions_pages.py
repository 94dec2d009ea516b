"""The Interactions pages: list with filters and reasons, CSV, detail, retry (single, bulk)."""

from calls.models import CallSyncSettings, Interaction
from delivery.models import SyncRecord
from jobs.models import Job
from tests.calls.test_interactions_api import URL, item


def _post(api, run_on_commit, body):
    assert run_on_commit(api.post, URL, body, format="json").status_code == 202


def test_list_filters_csv_and_detail(member_client, api, tenant, ix_connector, run_on_commit):
    _post(
        api,
        run_on_commit,
        [item("e-1", subject="=HYPERLINK()"), item("s-1", "sms", "+420773794804")],
    )
    page = member_client.get("/calls/interactions/")
    html = page.content.decode()
    assert page.status_code == 200 and "e-1" in html and "s-1" in html
    assert "Fake IX CRM cannot hold sms interactions" in html and "synced" in html
    sms = member_client.get("/calls/interactions/", {"channel": "sms"}).content.decode()
    assert "+420773794804" in sms and "jane@example.com".lower() not in sms.lower()
    csv = member_client.get("/calls/interactions/", {"export": "csv"}).content.decode()
    assert csv.splitlines()[0].startswith("interaction_id,started_at,channel")
    assert "'=HYPERLINK()" in csv and "unsupported_channel" in csv
    ix = Interaction.objects.for_tenant(tenant).get(interaction_id="s-1")
    detail = member_client.get(f"/calls/interactions/{ix.pk}/").content.decode()
    assert "not synced: Fake IX CRM cannot hold sms interactions" in detail
    assert f"/calls/interactions/{ix.pk}/retry/" in detail
    assert 'href="/calls/interactions/"' in member_client.get("/calls/").content.decode()


def test_retry_single_and_bulk(member_client, api, tenant, ix_connector, ix_crm, run_on_commit):
    conf = CallSyncSettings.for_connector(ix_connector)
    conf.channels = ["call"]
    conf.save()
    _post(api, run_on_commit, [item("e-1"), item("e-2"), item("c-1", "chat", "+420773794804")])
    rows = SyncRecord.objects.for_tenant(tenant)
    assert set(rows.values_list("reason", flat=True)) == {"channel_off"}
    conf.channels = ["call", "email", "chat"]
    conf.save()
    e1 = Interaction.objects.for_tenant(tenant).get(interaction_id="e-1")
    response = run_on_commit(member_client.post, f"/calls/interactions/{e1.pk}/retry/")
    assert response.status_code == 302
    assert rows.get(interaction=e1).state == "synced" and ix_crm.requests == 1
    response = run_on_commit(
        member_client.post, "/calls/interactions/retry/", {"channel": "email", "page": "2"}
    )
    job = Job.objects.for_tenant(tenant).get(kind="interaction_retry")
    assert response.status_code == 302
    assert response.url == f"/calls/interactions/retry-jobs/{job.pk}/"
    assert job.result["filters"] == {"channel": "email"} and job.total == 1  # e-1 is synced
    assert rows.get(interaction__interaction_id="e-2").state == "synced"
    assert rows.get(interaction__interaction_id="c-1").state == "skipped"  # not in the filter
    page = member_client.get(response.url).content.decode()
    assert "Succeeded" in page and "1 / 1 interactions" in page and "1 sync(s) queued" in page
    assert "channel=email" in page
    progress = member_client.get(f"{response.url}progress/").content.decode()
    assert "hx-get" not in progress  # finished: no more polling


def test_bulk_retry_with_a_bad_filter_says_so(member_client, tenant, ix_connector):
    response = member_client.post(
        "/calls/interactions/retry/", {"since": "not a date"}, follow=True
    )
    assert "Fix the filter first" in response.content.decode()
    assert not Job.objects.for_tenant(tenant).exists()


def test_sidebar_has_interactions_and_marks_only_it_active(member_client):
    html = member_client.get("/calls/interactions/").content.decode()
    assert (
        '<a href="/calls/interactions/" class="active" aria-current="page">' in html
        and "<span>Interactions</span>" in html
    )
    assert '<a href="/calls/" class="active"' not in html
    calls = member_client.get("/calls/").content.decode()
    assert '<a href="/calls/" class="active"' in calls
    assert '<a href="/calls/interactions/" class="active"' not in calls
