"""Tenant.zone: the one way the tenant's time zone is resolved; a bad stored name is UTC.

The name is validated on every form and the API, but a row can still hold garbage (written
around validation, or a zone dropped from tzdata): every page and API showing or reading times
must still answer, in UTC.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from automations.models import Trigger
from calls.models import Call
from tenants.models import Tenant
from tests.factories import make_connector

GARBAGE = ["Mars/Olympus_Mons", "", "../../etc/passwd", "/etc/localtime", "Europe/Prague "]


@pytest.mark.parametrize("name", GARBAGE)
def test_a_bad_zone_name_is_utc(tenant, name):
    Tenant.objects.filter(pk=tenant.pk).update(time_zone=name)
    tenant.refresh_from_db()
    assert tenant.zone == ZoneInfo("UTC")


def test_a_good_zone_name_is_that_zone(tenant):
    Tenant.objects.filter(pk=tenant.pk).update(time_zone="Europe/Helsinki")
    tenant.refresh_from_db()
    assert tenant.zone == ZoneInfo("Europe/Helsinki")


@pytest.fixture
def garbage_zone(tenant):
    Tenant.objects.filter(pk=tenant.pk).update(time_zone="Mars/Olympus_Mons")
    tenant.refresh_from_db()
    started = datetime(2026, 11, 20, 9, 0, 5, tzinfo=UTC)
    return Call.objects.create(
        tenant=tenant, call_id="tz-1", ended=True, started_at=started, status="missed"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/calls/",
        "/calls/?since=2026-11-20&until=2026-11-21",
        "/calls/?since=2026-11-20&format=csv",
        "/calls/dashboard/",
        "/automations/",
        "/settings/",
    ],
)
def test_pages_with_times_render_with_a_garbage_zone(member_client, garbage_zone, path):
    response = member_client.get(path)
    assert response.status_code == 200, path


def test_call_page_renders_with_a_garbage_zone(member_client, garbage_zone):
    response = member_client.get(f"/calls/{garbage_zone.pk}/")
    assert response.status_code == 200
    assert "09:00" in response.content.decode()  # shown in UTC


def test_calls_api_date_filters_read_utc_with_a_garbage_zone(api, garbage_zone):
    response = api.get("/api/v1/calls/", {"since": "2026-11-20 09:00", "until": "2026-11-20"})
    assert response.status_code == 200
    assert [c["call_id"] for c in response.json()["results"]] == ["tz-1"]
    later = api.get("/api/v1/calls/", {"since": "2026-11-20T09:00:06"})
    assert later.status_code == 200 and later.json()["results"] == []


def test_daktela_events_read_utc_with_a_garbage_zone(
    api, tenant, garbage_zone, django_capture_on_commit_callbacks
):
    params = {
        "ID": "tz-2",
        "ActivityID": "act-1",
        "CallType": "in",
        "RingingStart": "2026-11-20 10:00:03",
        "CallEnd": "2026-11-20 10:01:45",
        "Answered": "0",
        "Clid": "773794804",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert api.get("/api/v1/call-events/daktela/", params).status_code == 202
    call = Call.objects.get(tenant=tenant, call_id="tz-2")
    assert call.started_at.isoformat() == "2026-11-20T10:00:03+00:00"  # UTC, not a crash


def test_ticket_dry_run_renders_times_in_utc_with_a_garbage_zone(member_client, garbage_zone):
    tenant = garbage_zone.tenant
    connector = make_connector(tenant)
    Trigger.objects.create(
        tenant=tenant, connector=connector, name="Any", subject_template="{started_at}"
    )
    payload = '{"status": "missed", "started_at": "2026-11-20T09:00:05+00:00"}'
    r = member_client.post("/automations/dry-run/", {"kind": "call", "payload": payload})
    assert r.status_code == 200 and "2026-11-20 09:00:05 UTC" in r.content.decode()
