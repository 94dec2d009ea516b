"""The public REST contract of ../shared/API.md: exact paths, field names and status codes.

Field sets are asserted as "at least these" (the project may add fields, never drop or rename).
"""

import json

import pytest
from rest_framework.test import APIClient

from contacts.models import Contact
from tenants.models import ApiKey
from tests.factories import make_connector

DEAD_URL = "http://127.0.0.1:9"  # connection refused: CRM calls fail fast, never leave the host
ERROR_KEYS = {"code", "message", "fields"}
PAGE_KEYS = {"count", "next", "previous", "results"}
CONNECTOR_KEYS = {"id", "kind", "name", "settings", "credentials", "status", "last_error"}
CONNECTOR_KEYS |= {"authorized_at"}
KINDS = {
    "salesforce": (
        {"instance_url": DEAD_URL, "username": "api@acme.com", "client_id": "3MVG9"},
        {"password": "s3cret-pw", "security_token": "s3cret-tok", "client_secret": "s3cret-cs"},
    ),
    "dynamics365": (
        {
            "instance_url": "https://org.crm4.dynamics.com",
            "client_id": "11111111-2222-3333-4444-555555555555",
            "directory_id": "66666666-7777-8888-9999-000000000000",
            "authority_host": "https://login.microsoftonline.com",
        },
        {"client_secret": "s3cret-cs"},
    ),
    "sugarcrm": (
        {"instance_url": DEAD_URL, "username": "admin", "platform": "ccportal"},
        {"password": "s3cret-pw"},
    ),
    "retailcrm": ({"instance_url": DEAD_URL, "integration_code": "cc"}, {"api_key": "s3cret-k"}),
}


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) >= ERROR_KEYS, body
    assert isinstance(body["error"]["fields"], dict) and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


def assert_page(response):
    assert response.status_code == 200, response.content
    assert set(response.json()) == PAGE_KEYS
    return response.json()["results"]


@pytest.fixture
def connector(tenant):
    settings, credentials = KINDS["salesforce"]
    return make_connector(tenant, settings=dict(settings), credentials=dict(credentials))


# --- conventions -------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer nope", "Token abc"])
def test_no_or_bad_key_is_401_with_error_body(db, header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    assert_error(client.get("/api/v1/connectors/"), 401)


def test_revoked_key_is_401(api, tenant):

    ApiKey.objects.filter(tenant=tenant).update(revoked_at="2026-01-01T00:00:00Z")
    assert_error(api.get("/api/v1/connectors/"), 401)


def test_pagination_next_and_previous(api, tenant):
    for i in range(3):
        make_connector(tenant, name=f"c{i}")
    first = api.get("/api/v1/connectors/?page_size=2").json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["previous"] is None
    second = api.get(first["next"]).json()
    assert second["next"] is None and second["previous"] and len(second["results"]) == 1
    assert_error(api.get("/api/v1/connectors/?page=99"), 404)


# --- connectors --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_connector_create_read_update_delete(api, kind):
    settings, credentials = KINDS[kind]
    body = {"kind": kind, "name": "Sales org", "settings": settings, "credentials": credentials}
    created = api.post("/api/v1/connectors/", body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert set(data) >= CONNECTOR_KEYS
    assert data["kind"] == kind and data["status"] == "unconfigured"
    assert data["authorized_at"] is None and data["last_error"] == ""
    flags = data["credentials"]
    assert all(key.endswith("_set") and isinstance(v, bool) for key, v in flags.items()), flags
    assert all(flags[f"{name}_set"] is True for name in credentials), flags
    for name in credentials:
        assert data[f"{name}_set"] is True
    for key, value in settings.items():
        assert data["settings"][key] == value
    url = f"/api/v1/connectors/{data['id']}/"
    for response in (created, api.get(url), api.get("/api/v1/connectors/")):
        text = response.content.decode()
        assert not any(secret in text for secret in credentials.values()), text
    assert api.get(url).json()["id"] == data["id"]
    patched = api.patch(url, {"name": "Renamed"}, format="json")
    assert patched.status_code == 200 and patched.json()["name"] == "Renamed"
    assert patched.json()["credentials"] == data["credentials"]  # untouched secrets stay set
    name = sorted(credentials)[0]
    rotated = api.patch(url, {"credentials": {name: "n3w-s3cret"}}, format="json")
    assert rotated.status_code == 200, rotated.content
    assert rotated.json()["credentials"] == data["credentials"]
    assert "n3w-s3cret" not in rotated.content.decode()
    assert api.delete(url).status_code == 204
    assert_error(api.get(url), 404, "not_found")


def test_connector_invalid_input_is_400_naming_fields(api):
    error = assert_error(
        api.post("/api/v1/connectors/", {"kind": "nope", "name": "x"}, format="json"),
        400,
        "validation_error",
    )
    assert "kind" in error["fields"]


def test_foreign_connector_is_404_like_a_missing_one(api, other_tenant):
    foreign = make_connector(other_tenant)
    for url in (f"/api/v1/connectors/{foreign.pk}/", "/api/v1/connectors/999999/"):
        assert_error(api.get(url), 404, "not_found")
        assert_error(api.patch(url, {"name": "x"}, format="json"), 404, "not_found")
        assert_error(api.delete(url), 404, "not_found")
        assert_error(api.post(f"{url}authorize/"), 404, "not_found")
        assert_error(api.post(f"{url}sync-contacts/"), 404, "not_found")


def test_authorize_failure_is_400_with_the_reason(api, connector):
    error = assert_error(api.post(f"/api/v1/connectors/{connector.pk}/authorize/"), 400)
    assert error["message"]


def test_sync_contacts_is_202_with_a_job(api, connector):
    response = api.post(f"/api/v1/connectors/{connector.pk}/sync-contacts/", format="json")
    assert response.status_code == 202, response.content
    assert "job" in response.json()
    job = api.get(f"/api/v1/jobs/{response.json()['job']}/")
    assert job.status_code == 200
    keys = {"id", "kind", "status", "progress", "started_at", "finished_at", "error"}
    assert set(job.json()) >= keys
    assert job.json()["status"] in {"queued", "running", "succeeded", "failed"}
    assert set(job.json()["progress"]) == {"done", "total"}
    assert_page(api.get("/api/v1/jobs/"))


def test_call_sync_settings(api, connector):
    url = f"/api/v1/connectors/{connector.pk}/call-sync-settings/"
    keys = {
        "enabled",
        "min_duration_seconds",
        "start_margin_seconds",
        "default_owner_crm_id",
        "sync_unclassified",
        "subject_template",
    }
    assert set(api.get(url).json()) >= keys
    body = {
        "enabled": True,
        "min_duration_seconds": 5,
        "start_margin_seconds": 60,
        "default_owner_crm_id": "",
        "sync_unclassified": False,
        "subject_template": "{direction} call {phone}",
    }
    put = api.put(url, body, format="json")
    assert put.status_code == 200, put.content
    assert put.json()["min_duration_seconds"] == 5


# --- tenant settings ---------------------------------------------------------------------------


def test_settings_get_and_put(api):
    keys = {"default_region", "time_zone", "dnis_regex", "frame_ancestors"}
    assert set(api.get("/api/v1/settings/").json()) >= keys
    body = {
        "default_region": "CZ",
        "time_zone": "Europe/Prague",
        "dnis_regex": "D:(.+?):",
        "frame_ancestors": ["https://crm.example.com"],
    }
    put = api.put("/api/v1/settings/", body, format="json")
    assert put.status_code == 200, put.content
    assert {k: put.json()[k] for k in body} == body
    bad = api.put("/api/v1/settings/", {**body, "default_region": "XX1"}, format="json")
    assert "default_region" in assert_error(bad, 400, "validation_error")["fields"]


# --- triggers, callback profiles and requests --------------------------------------------------


def _crud(api, path, body, keys, change):
    created = api.post(path, body, format="json")
    assert created.status_code == 201, created.content
    assert set(created.json()) >= keys
    url = f"{path}{created.json()['id']}/"
    assert api.get(url).json() == created.json() or api.get(url).status_code == 200
    assert any(row["id"] == created.json()["id"] for row in assert_page(api.get(path)))
    patched = api.patch(url, change, format="json")
    assert patched.status_code == 200, patched.content
    assert all(patched.json()[k] == v for k, v in change.items())
    assert api.delete(url).status_code == 204
    assert_error(api.get(url), 404, "not_found")


def test_triggers(api, connector, other_tenant):
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
    _crud(api, "/api/v1/triggers/", body, {"id", *body}, {"active": False})
    foreign = {**body, "connector": make_connector(other_tenant).pk}
    error = assert_error(api.post("/api/v1/triggers/", foreign, format="json"), 400)
    assert "connector" in error["fields"]


def test_callback_profiles(api, connector):
    body = {
        "connector": connector.pk,
        "name": "Support callbacks",
        "callback_list": "support-cb",
        "crm_queue_id": "",
        "ownership": "api_user",
        "subject": "",
        "duplicates": "bundle",
        "sync_method": "age_window",
        "age_unit": "days",
        "age": 2,
    }
    _crud(api, "/api/v1/callback-profiles/", body, {"id", *body}, {"age": 3})


def test_callback_requests_are_202_and_idempotent(api):
    item = {
        "request_id": "req-1",
        "callback_list": "support-cb",
        "phone": "+420773794804",
        "requested_at": "2026-11-20T10:00:05+01:00",
        "queue": "Support",
        "note": "call me",
    }
    first = api.post("/api/v1/callback-requests/", item, format="json")
    assert first.status_code == 202 and first.json() == {"accepted": 1, "duplicates": 0}
    both = [item, {**item, "request_id": "req-2"}]
    again = api.post("/api/v1/callback-requests/", both, format="json")
    assert again.status_code == 202 and again.json() == {"accepted": 1, "duplicates": 1}
    bad = api.post("/api/v1/callback-requests/", [item, {"request_id": "x"}], format="json")
    assert "1" in assert_error(bad, 400, "validation_error")["fields"]
    assert len(assert_page(api.get("/api/v1/callback-requests/"))) == 2


# --- contacts, mappings, calls, routing, screen pop (owners' areas: contract only) -------------


def test_contacts(api, tenant, connector):
    contact = Contact.objects.create(
        tenant=tenant,
        connector=connector,
        crm_id="003A",
        first_name="Jan",
        phones=["+420773794804"],
    )
    keys = {"id", "connector", "crm_id", "first_name", "last_name", "email", "phones", "account"}
    keys |= {"owner_crm_id", "fields", "crm_url", "crm_modified_at"}
    detail = api.get(f"/api/v1/contacts/{contact.pk}/")
    assert detail.status_code == 200 and set(detail.json()) >= keys
    assert detail.json()["connector"] == connector.pk
    assert_page(api.get("/api/v1/contacts/?phone=773794804"))


def test_user_mappings(api, connector):
    body = {
        "connector": connector.pk,
        "agent_id": "jdoe",
        "agent_email": "j.doe@acme.com",
        "agent_phone": "+420773794804",
        "crm_email": "",
        "crm_user_id": "005A",
    }
    _crud(api, "/api/v1/user-mappings/", body, {"id", "matched_by", *body}, {"crm_user_id": "005B"})


def test_field_mappings_list_and_unknown_crm_field(api, connector):
    assert_page(api.get("/api/v1/field-mappings/"))
    body = {
        "connector": connector.pk,
        "crm_object": "Contact",
        "crm_field": "Nope",
        "cc_field": "x",
    }
    assert_error(api.post("/api/v1/field-mappings/", body, format="json"), 400)


def test_call_events_and_calls(api):
    event = {
        "event_id": "evt-91",
        "call_id": "1WS.58184",
        "activity_id": "activities_181s-d845",
        "type": "ended",
        "direction": "in",
        "caller": "+420773794804",
        "callee": "+420226211245",
        "queue": "Support",
        "agent_id": "jdoe",
        "agent_email": "j.doe@acme.com",
        "occurred_at": "2026-11-20T10:00:05+01:00",
        "duration_seconds": 95,
        "wait_seconds": 12,
        "privacy": "work",
        "status": "answered",
        "recording_url": None,
    }
    first = api.post("/api/v1/call-events/", event, format="json")
    assert first.status_code == 202 and first.json() == {"accepted": 1, "duplicates": 0}
    again = api.post("/api/v1/call-events/", [event], format="json")
    assert again.status_code == 202 and again.json() == {"accepted": 0, "duplicates": 1}
    bad = api.post("/api/v1/call-events/", [event, {"event_id": "x"}], format="json")
    assert "1" in json.dumps(assert_error(bad, 400)["fields"])
    calls = assert_page(api.get("/api/v1/calls/?phone=773794804"))
    if calls:  # folding may be asynchronous; when the call exists its shape is the contract's
        keys = {"id", "call_id", "direction", "caller", "callee", "queue", "status"}
        keys |= {"started_at", "ended_at", "duration_seconds", "privacy", "agent_email"}
        keys |= {"activities", "events", "sync"}
        assert set(api.get(f"/api/v1/calls/{calls[0]['id']}/").json()) >= keys


def test_routing_unknown_caller_is_204_empty(api):
    body = {"anum": "+35850454564", "bnum": "+35840675644"}
    response = api.post("/api/v1/routing/initial-target/", body, format="json")
    assert response.status_code == 204 and response.content == b""


def test_routing_rules(api):
    body = {"position": 1, "name": "VIP", "kind": "bnum", "field": "", "value": ""}
    body |= {"bnum": "+35840675644", "target": "+35853445657"}
    _crud(api, "/api/v1/routing-rules/", body, {"id", *body}, {"target": "+35853445658"})


def test_screen_pop(api):
    rule = {
        "key": "01",
        "rule": "direction=inbound&&lookupCount=1=>https://crm.example.com/{crm_id}",
    }
    created = api.post("/api/v1/screen-pop-rules/", rule, format="json")
    assert created.status_code == 201, created.content
    assert set(created.json()) >= {"id", "key", "rule"}
    bad = api.post("/api/v1/screen-pop-rules/", {"key": "02", "rule": "=>"}, format="json")
    assert_error(bad, 400)
    pop = api.get("/api/v1/screen-pop/?direction=inbound&phone=%2B420773794804&caller_name=D:123:")
    assert pop.status_code == 200, pop.content
    assert set(pop.json()) >= {"url", "rule", "dnis", "matches"}


# --- the schema: every path and method of API.md, with its enums -------------------------------

API_MD = {
    "/api/v1/connectors/": {"get", "post"},
    "/api/v1/connectors/{id}/": {"get", "patch", "delete"},
    "/api/v1/connectors/{id}/authorize/": {"post"},
    "/api/v1/connectors/{connector_id}/sync-contacts/": {"post"},
    "/api/v1/connectors/{connector_id}/match-users/": {"post"},
    "/api/v1/connectors/{id}/call-sync-settings/": {"get", "put"},
    "/api/v1/jobs/{id}/": {"get"},
    "/api/v1/contacts/": {"get"},
    "/api/v1/contacts/{id}/": {"get"},
    "/api/v1/field-mappings/": {"get", "post"},
    "/api/v1/field-mappings/{id}/": {"get", "patch", "delete"},
    "/api/v1/user-mappings/": {"get", "post"},
    "/api/v1/user-mappings/{id}/": {"get", "patch", "delete"},
    "/api/v1/call-events/": {"post"},
    "/api/v1/call-events/daktela/": {"get"},
    "/api/v1/calls/": {"get"},
    "/api/v1/calls/{id}/": {"get"},
    "/api/v1/calls/{id}/retry/": {"post"},
    "/api/v1/triggers/": {"get", "post"},
    "/api/v1/triggers/{id}/": {"get", "patch", "delete"},
    "/api/v1/callback-profiles/": {"get", "post"},
    "/api/v1/callback-profiles/{id}/": {"get", "patch", "delete"},
    "/api/v1/callback-requests/": {"post"},
    "/api/v1/routing/initial-target/": {"post"},
    "/api/v1/routing-rules/": {"get", "post"},
    "/api/v1/routing-rules/{id}/": {"get", "patch", "delete"},
    "/api/v1/settings/": {"get", "put"},
    "/api/v1/screen-pop-rules/": {"get", "post"},
    "/api/v1/screen-pop-rules/{id}/": {"get", "patch", "delete"},
    "/api/v1/screen-pop/": {"get"},
}
ENUMS = {
    ("Connector", "kind"): {"salesforce", "dynamics365", "sugarcrm", "retailcrm"},
    ("Connector", "status"): {"unconfigured", "authorized", "needs_reauth", "error", "disabled"},
    ("Job", "status"): {"queued", "running", "succeeded", "failed"},
    ("CallbackProfile", "ownership"): {"api_user", "queue_owner"},
    ("CallbackProfile", "duplicates"): {"bundle", "ignore"},
    ("CallbackProfile", "sync_method"): {"all_open", "age_window"},
    ("CallbackProfile", "age_unit"): {"days", "hours", "minutes"},
    ("Trigger", "action"): {"create_ticket"},
    ("RoutingRule", "kind"): {"owner", "field_value", "bnum"},
}


@pytest.fixture
def openapi(client, db):
    return client.get("/api/schema/?format=json").json()


def test_every_api_md_endpoint_is_in_the_schema(openapi):
    missing = {
        path: methods - set(openapi["paths"].get(path, {}))
        for path, methods in API_MD.items()
        if methods - set(openapi["paths"].get(path, {}))
    }
    assert not missing


def _enum(components, prop):
    ref = prop.get("$ref") or (prop.get("allOf") or [{}])[0].get("$ref")
    return set((components[ref.rsplit("/", 1)[1]] if ref else prop)["enum"])


@pytest.mark.parametrize(("component", "field"), sorted(ENUMS))
def test_enums_are_the_contracts(openapi, component, field):
    components = openapi["components"]["schemas"]
    prop = components[component]["properties"][field]
    assert _enum(components, prop) == ENUMS[(component, field)]


def test_daktela_accepts_the_query_token(api, db):
    params = {
        "ID": "1WS.1",
        "ActivityID": "act-1",
        "CallType": "in",
        "QueueStart": "2026-11-20 10:00:00",
        "RingingStart": "2026-11-20 10:00:02",
        "CallStart": "2026-11-20 10:00:05",
        "CallEnd": "2026-11-20 10:01:40",
        "Answered": "1",
        "Duration": "95",
        "WaitTime": "5",
        "QueueId": "Support",
        "Clid": "+420773794804",
    }
    anonymous = APIClient()
    assert_error(anonymous.get("/api/v1/call-events/daktela/", params), 401)
    response = anonymous.get(
        "/api/v1/call-events/daktela/", {**params, "access_token": api.raw_key}
    )
    assert response.status_code == 202, response.content
    assert response.json() == {"accepted": 1, "duplicates": 0}
    assert_error(anonymous.get("/api/v1/connectors/", {"access_token": api.raw_key}), 401)


LISTS = [
    "/api/v1/connectors/",
    "/api/v1/jobs/",
    "/api/v1/contacts/",
    "/api/v1/field-mappings/",
    "/api/v1/user-mappings/",
    "/api/v1/calls/",
    "/api/v1/triggers/",
    "/api/v1/callback-profiles/",
    "/api/v1/callback-requests/",
    "/api/v1/routing-rules/",
    "/api/v1/screen-pop-rules/",
]


@pytest.mark.parametrize("path", LISTS)
def test_every_list_is_paginated(api, path):
    assert assert_page(api.get(path)) == []
    assert_error(api.get(f"{path}?page=2"), 404, "not_found")


def test_bad_event_in_an_array_stores_nothing(api):
    good = {
        "event_id": "evt-1",
        "call_id": "1WS.1",
        "activity_id": "a-1",
        "type": "ringing",
        "direction": "in",
        "caller": "+420773794804",
        "callee": "+420226211245",
        "occurred_at": "2026-11-20T10:00:05+01:00",
    }
    bad = api.post("/api/v1/call-events/", [good, {**good, "type": "exploded"}], format="json")
    assert "1" in json.dumps(assert_error(bad, 400)["fields"])
    again = api.post("/api/v1/call-events/", good, format="json")
    assert again.status_code == 202 and again.json() == {"accepted": 1, "duplicates": 0}


def test_screen_pop_takes_dnis_from_caller_name(api, tenant):
    tenant.dnis_regex = "D:(.+?):"
    tenant.save()
    pop = api.get("/api/v1/screen-pop/", {"direction": "inbound", "caller_name": "D:4201:x"})
    assert pop.status_code == 200, pop.content
    assert pop.json()["dnis"] == "4201"
