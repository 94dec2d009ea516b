import pytest

from calls.models import Call
from tests.calls.conftest import call_events, event, sweep_now

URL = "/api/v1/call-events/"


@pytest.fixture
def calls(api, tenant, fake_connector, run_on_commit):
    events = (
        call_events("A1", start="2026-11-20T10:00:00+01:00", caller="+420773794804")
        + call_events(
            "A2",
            start="2026-11-21T10:00:00+01:00",
            caller="+420601111222",
            queue="Sales",
            agent_email="anna@acme.com",
            duration=3,
        )
        + [event("A3", "ringing", "2026-11-22T10:00:00+01:00", caller="+420602000000")]
    )
    assert run_on_commit(api.post, URL, events, format="json").status_code == 202
    sweep_now(run_on_commit)  # A3 is still ringing: folded by the sweeper
    return {c.call_id: c for c in Call.objects.for_tenant(tenant)}


def ids(response):
    assert response.status_code == 200, response.json()
    return sorted(c["call_id"] for c in response.json()["results"])


def test_detail_shape(api, calls, fake_connector):
    body = api.get(f"/api/v1/calls/{calls['A1'].pk}/").json()
    for key in (
        "id",
        "call_id",
        "direction",
        "caller",
        "callee",
        "queue",
        "status",
        "started_at",
        "ended_at",
        "duration_seconds",
        "privacy",
        "agent_email",
        "activities",
        "events",
        "sync",
    ):
        assert key in body
    assert [e["type"] for e in body["events"]] == ["ringing", "answered", "ended"]
    assert body["activities"][0]["activity_id"] == "A1-a1"
    (sync,) = body["sync"]
    assert sync["connector"] == fake_connector.pk and sync["state"] == "synced"
    assert sync["crm_record_url"].startswith("https://fake.crm/Task/")
    for key in ("reason", "crm_record_id", "attempts", "last_error", "next_attempt_at"):
        assert key in sync


def test_list_filters(api, calls):
    assert ids(api.get("/api/v1/calls/")) == ["A1", "A2", "A3"]
    assert ids(api.get("/api/v1/calls/", {"phone": "773 794 804"})) == ["A1"]
    assert ids(api.get("/api/v1/calls/", {"phone": "00420601111222"})) == ["A2"]
    assert ids(api.get("/api/v1/calls/", {"agent_email": "ANNA@acme.com"})) == ["A2"]
    assert ids(api.get("/api/v1/calls/", {"queue": "Sales"})) == ["A2"]
    assert ids(api.get("/api/v1/calls/", {"status": "answered"})) == ["A1", "A2"]
    assert ids(api.get("/api/v1/calls/", {"since": "2026-11-21", "until": "2026-11-21"})) == ["A2"]
    assert ids(api.get("/api/v1/calls/", {"since": "2026-11-21T12:00:00+01:00"})) == ["A3"]
    assert ids(api.get("/api/v1/calls/", {"sync_state": "synced"})) == ["A1", "A2"]


@pytest.mark.parametrize(
    "params",
    [{"since": "last week"}, {"sync_state": "nope"}, {"connector": "x"}, {"connector": "9" * 30}],
)
def test_bad_filters_are_400(api, calls, params):
    response = api.get("/api/v1/calls/", params)
    assert response.status_code == 400 and list(params)[0] in response.json()["error"]["fields"]


def test_lists_never_show_other_tenants_calls(other_api, calls):
    assert other_api.get("/api/v1/calls/").json()["count"] == 0
    assert other_api.get(f"/api/v1/calls/{calls['A1'].pk}/").status_code == 404


def test_call_sync_settings_get_put(api, fake_connector):
    url = f"/api/v1/connectors/{fake_connector.pk}/call-sync-settings/"
    assert api.get(url).json() == {
        "enabled": True,
        "min_duration_seconds": 0,
        "start_margin_seconds": 60,
        "default_owner_crm_id": "",
        "sync_unclassified": False,
        "subject_template": "{direction} call {phone}",
        "channels": ["call", "email", "chat", "sms"],
    }
    new = {
        "enabled": False,
        "min_duration_seconds": 10,
        "start_margin_seconds": 30,
        "default_owner_crm_id": "005X",
        "sync_unclassified": True,
        "subject_template": "{direction} call with {phone} ({queue})",
        "channels": ["call", "email"],
    }
    assert api.put(url, new, format="json").json() == new
    assert api.get(url).json() == new
    bad = api.put(url, {"subject_template": "{nope}", "min_duration_seconds": -1}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"subject_template", "min_duration_seconds"}
