"""GET /metrics after a real delivery (Salesforce simulator over HTTP), its access rules, and
the multiprocess mode (values of several processes summed)."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import ResolverMatch
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from delivery.models import SyncRecord
from jobs.models import Job
from jobs.runner import finish
from portal import metrics
from portal.metrics_http import HttpMetricsMiddleware
from tests.calls.conftest import call_events
from tests.factories import authorized_salesforce

pytestmark = pytest.mark.simulator(contacts=5)

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "scrape-token-123"


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def scrape(settings):
    settings.METRICS_TOKEN = TOKEN

    def get() -> dict[tuple, float]:
        response = APIClient().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/plain")
        text = response.content.decode()
        samples = {}
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
        get.text = text
        return samples

    return get


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_delivery_shows_counts_and_histogram_buckets(
    api, tenant, salesforce_sim, run_on_commit, scrape
):
    account = authorized_salesforce(tenant, salesforce_sim)
    before = scrape()
    events = []
    for i in range(3):
        events += call_events(
            f"M{i}", start=f"2026-11-20T10:0{i}:00+01:00", caller=f"+4206011100{i}"
        )
    response = run_on_commit(api.post, "/api/v1/call-events/", events, format="json")
    assert response.status_code == 202
    assert SyncRecord.objects.for_tenant(tenant).filter(state="synced").count() == 3
    run_on_commit(api.post, "/api/v1/call-events/", events[:2], format="json")  # duplicates
    assert api.post("/api/v1/call-events/", [{"call_id": "x"}], format="json").status_code == 400
    after = scrape()

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("ccportal_ingest_events_total", source="api", outcome="accepted") == 9
    assert delta("ccportal_ingest_events_total", source="api", outcome="duplicate") == 2
    assert delta("ccportal_ingest_rejected_requests_total", source="api") == 1
    latency = {"connector_kind": "salesforce", "kind": "call_log"}
    assert delta("ccportal_delivery_latency_seconds_count", **latency) == 3
    assert delta("ccportal_delivery_latency_seconds_bucket", le="+Inf", **latency) == 3
    assert delta("ccportal_delivery_latency_seconds_bucket", le="60.0", **latency) == 3
    assert delta("ccportal_delivery_latency_seconds_sum", **latency) > 0
    # The authorization and the composite write: each a counted 2xx, none "unknown".
    assert (
        delta("ccportal_crm_requests_total", connector_kind="salesforce", status_class="2xx") >= 1
    )
    assert delta("ccportal_crm_requests_total", connector_kind="unknown", status_class="2xx") == 0
    assert (
        value(after, "ccportal_connectors", connector_kind="salesforce", status="authorized") == 1
    )
    assert value(after, "ccportal_collector_up", collector="OutboxCollector") == 1
    # django-prometheus' HTTP series that the dashboard reads (portal/metrics_http.py): the
    # three POSTs by view, their statuses, their latency; the unread ones are not recorded.
    view = {"view": "call-events", "method": "POST"}
    assert (
        delta("django_http_requests_total_by_view_transport_method_total", transport="http", **view)
        == 3
    )
    assert delta("django_http_responses_total_by_status_total", status="202") == 2
    assert delta("django_http_responses_total_by_status_total", status="400") == 1
    assert delta("django_http_requests_latency_seconds_by_view_method_count", **view) == 3
    assert (
        delta("django_http_requests_latency_seconds_by_view_method_bucket", le="+Inf", **view) == 3
    )
    assert "django_db_execute_total" in scrape.text  # portal/dbmetrics
    for unread in ("django_http_requests_body_total_bytes", "django_http_requests_total_by_method"):
        assert unread not in scrape.text

    # The backlog gauges read the table at scrape time: one dead row, one pending for 10 min.
    first, second, _third = SyncRecord.objects.for_tenant(tenant).order_by("id")
    SyncRecord.objects.for_tenant(tenant).filter(pk=first.pk).update(state="dead")
    SyncRecord.objects.for_tenant(tenant).filter(pk=second.pk).update(
        state="pending", created_at=timezone.now() - timedelta(minutes=10)
    )
    gauges = scrape()
    rows = {"kind": "call_log", "connector_kind": "salesforce"}
    assert value(gauges, "ccportal_outbox_rows", state="dead", **rows) == 1
    assert value(gauges, "ccportal_outbox_rows", state="pending", **rows) == 1
    age = value(gauges, "ccportal_outbox_oldest_pending_age_seconds", connector_kind="salesforce")
    assert 590 < age < 700
    assert account.pk  # the account exists only in this tenant; its id is never a label


def test_no_tenant_label_anywhere(api, tenant, other_tenant, salesforce_sim, run_on_commit, scrape):
    authorized_salesforce(tenant, salesforce_sim)
    run_on_commit(api.post, "/api/v1/call-events/", call_events("T1"), format="json")
    text = (scrape(), scrape.text)[1]
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            assert "tenant" not in sample.labels, sample
            assert not {"acme", "globex", str(tenant.pk)} & set(sample.labels.values()) or (
                sample.name.startswith(("python_", "process_"))
            ), sample
    assert "acme" not in text and "tenant" not in text.replace("tenants", "")


def test_token_refresh_and_job_duration_are_counted(tenant, salesforce_sim):
    account = authorized_salesforce(tenant, salesforce_sim)
    ok = metrics.TOKEN_REFRESHES.labels("salesforce", "ok")
    before = ok._value.get()
    account.connector.get_token(force_refresh=True)
    assert ok._value.get() == before + 1

    hist = metrics.JOB_SECONDS.labels("contact_sync", "succeeded")
    count = hist._sum.get(), sum(b.get() for b in hist._buckets)
    job = Job.objects.create(tenant=tenant, kind="contact_sync", status="running")
    job.started_at = timezone.now() - timedelta(seconds=42)
    finish(job, result={"done": 1})
    assert sum(b.get() for b in hist._buckets) == count[1] + 1
    assert hist._sum.get() - count[0] == pytest.approx(42, abs=2)


def test_access_needs_the_token(client, settings):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics").headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer é").status_code == 403
    ok = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert ok.status_code == 200 and b"ccportal_crm_requests_total" in ok.content


def test_without_a_token_open_only_with_debug(client, settings):
    settings.METRICS_TOKEN = ""
    settings.DEBUG = True
    assert client.get("/metrics").status_code == 200
    settings.DEBUG = False
    response = client.get("/metrics")
    assert response.status_code == 403 and b"METRICS_TOKEN" in response.content
    settings.METRICS_ENABLED = False
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


CHILD = """
from portal import metrics
metrics.ingested("api", {n}, 0)
metrics.crm_request("sugarcrm", 503, 0.2)
"""


def test_multiprocess_mode_sums_every_process(tmp_path, db):
    """Two processes write to PROMETHEUS_MULTIPROC_DIR; the scrape sums them."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    for n in (3, 4):
        subprocess.run([sys.executable, "-c", CHILD.format(n=n)], env=env, check=True, cwd=ROOT)
    assert len(list(tmp_path.glob("*.db"))) >= 2  # one file per process and metric type
    samples = {}
    for family in text_string_to_metric_families(metrics.exposition(str(tmp_path)).decode()):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    assert value(samples, "ccportal_ingest_events_total", source="api", outcome="accepted") == 7
    crm = {"connector_kind": "sugarcrm", "status_class": "5xx"}
    assert value(samples, "ccportal_crm_requests_total", **crm) == 2
    assert ("ccportal_outbox_rows", ()) not in samples  # the scrape-time part still renders
    assert "ccportal_collector_up" in {name for name, _ in samples}


def test_the_grafana_dashboard_uses_metrics_the_endpoint_serves(client, settings, db):
    import json
    import re

    settings.METRICS_TOKEN = TOKEN
    client.get("/healthz")  # one request, so django-prometheus' labelled series exist
    text = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    served = {family.name for family in text_string_to_metric_families(text)}
    dashboard = json.loads((ROOT / "deploy/grafana/ccportal.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    names = {m for e in exprs for m in re.findall(r"\b((?:ccportal|django)_[a-z_]+)", e)}
    used = {re.sub(r"_(total|bucket|count|sum)$", "", name) for name in names}
    assert len(used) >= 12 and not used - served, used - served
    assert not any("tenant" in e for e in exprs)


def test_an_unhandled_exception_is_counted_by_type_and_view(scrape):
    def view(request):
        raise LookupError("boom")

    request = RequestFactory().get("/x/")
    request.resolver_match = ResolverMatch(view, (), {}, url_name="boom-view")
    before = scrape()
    HttpMetricsMiddleware(view).process_exception(request, LookupError("boom"))
    after = scrape()
    name = "django_http_exceptions_total_by_type_total"
    assert value(after, name, type="LookupError") - value(before, name, type="LookupError") == 1
    name = "django_http_exceptions_total_by_view_total"
    assert value(after, name, view="boom-view") - value(before, name, view="boom-view") == 1
