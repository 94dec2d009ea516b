import pytest

from automations.models import CallbackRequest, Trigger
from tests.factories import make_connector


@pytest.fixture
def connector(tenant):
    return make_connector(tenant)


def test_trigger_crud_and_validation(api, connector, other_tenant):
    body = {
        "connector": connector.pk,
        "name": "Missed support calls",
        "active": True,
        "queues": ["Support"],
        "statuses": ["missed"],
        "directions": ["in"],
        "action": "create_ticket",
        "subject_template": "Missed call from {caller}",
    }
    r = api.post("/api/v1/triggers/", body, format="json")
    assert r.status_code == 201, r.json()
    tid = r.json()["id"]
    assert {k: r.json()[k] for k in body} == body
    assert (
        api.patch(f"/api/v1/triggers/{tid}/", {"active": False}, format="json").json()["active"]
        is False
    )
    bad = api.post(
        "/api/v1/triggers/",
        {**body, "statuses": ["lost"], "subject_template": "{nope}"},
        format="json",
    )
    assert bad.status_code == 400
    fields = bad.json()["error"]["fields"]
    assert "statuses" in fields and "subject_template" in fields
    foreign = make_connector(other_tenant)
    r = api.post("/api/v1/triggers/", {**body, "connector": foreign.pk}, format="json")
    assert r.status_code == 400 and "connector" in r.json()["error"]["fields"]
    assert api.delete(f"/api/v1/triggers/{tid}/").status_code == 204
    assert not Trigger.objects.unscoped().exists()


def test_callback_profile_validation(api, connector):
    body = {
        "connector": connector.pk,
        "name": "Support callbacks",
        "callback_list": "support-cb",
        "crm_queue_id": "",
        "ownership": "api_user",
        "subject": "",
        "duplicates": "bundle",
        "sync_method": "age_window",
        "age_unit": "hours",
        "age": 2,
    }
    r = api.post("/api/v1/callback-profiles/", body, format="json")
    assert r.status_code == 201, r.json()
    dup = api.post("/api/v1/callback-profiles/", {**body, "name": "Other"}, format="json")
    assert dup.status_code == 400 and "callback_list" in dup.json()["error"]["fields"]
    r = api.post(
        "/api/v1/callback-profiles/",
        {**body, "callback_list": "x", "ownership": "queue_owner"},
        format="json",
    )
    assert r.status_code == 400 and "crm_queue_id" in r.json()["error"]["fields"]
    r = api.post(
        "/api/v1/callback-profiles/",
        {**body, "callback_list": "y", "duplicates": "merge"},
        format="json",
    )
    assert r.status_code == 400 and "duplicates" in r.json()["error"]["fields"]


def test_callback_requests_idempotent_and_bad_batch_stores_nothing(
    api, tenant, other_api, django_capture_on_commit_callbacks
):
    one = {
        "request_id": "cb-1",
        "callback_list": "support-cb",
        "phone": "+420773794804",
        "requested_at": "2026-11-20T10:00:00+01:00",
        "queue": "Support",
        "note": "call me",
    }
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post("/api/v1/callback-requests/", one, format="json")
    assert r.status_code == 202 and r.json() == {"accepted": 1, "duplicates": 0}
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(
            "/api/v1/callback-requests/", [one, {**one, "request_id": "cb-2"}], format="json"
        )
    assert r.json() == {"accepted": 1, "duplicates": 1}
    bad = [
        {**one, "request_id": "cb-3"},
        {**one, "request_id": "cb-4", "requested_at": "yesterday"},
    ]
    r = api.post("/api/v1/callback-requests/", bad, format="json")
    assert r.status_code == 400 and "1" in r.json()["error"]["fields"]
    assert CallbackRequest.objects.for_tenant(tenant).count() == 2
    # the same request id in another tenant is a different request
    assert other_api.post("/api/v1/callback-requests/", one, format="json").json()["accepted"] == 1
    listed = api.get("/api/v1/callback-requests/").json()
    assert listed["count"] == 2
    assert {r["state"] for r in listed["results"]} == {"skipped"}  # no profile for the list


def test_close_callback_request(api, tenant, client, viewer_user, support_user):
    from django.utils import timezone

    row = CallbackRequest.objects.create(
        tenant=tenant,
        request_id="r1",
        callback_list="cb",
        phone="+420773794804",
        requested_at=timezone.now(),
        state="synced",
    )
    r = api.post(f"/api/v1/callback-requests/{row.pk}/close/")
    assert r.status_code == 200 and r.json()["state"] == "closed"
    again = api.post(f"/api/v1/callback-requests/{row.pk}/close/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_open"

    other = CallbackRequest.objects.create(
        tenant=tenant,
        request_id="r2",
        callback_list="cb",
        phone="+420773794804",
        requested_at=timezone.now(),
        state="synced",
    )
    client.force_login(viewer_user)
    assert client.post(f"/automations/callback-requests/{other.pk}/close/").status_code == 403
    client.force_login(support_user)
    assert client.post(f"/automations/callback-requests/{other.pk}/close/").status_code == 302
    other.refresh_from_db()
    assert other.state == "closed"
