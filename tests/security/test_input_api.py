"""Issue 11, point 8: bad input to the API is a 4xx in its error format, never a 5xx.

Every case goes through the real endpoints (Django test client, full middleware stack).
"""

import json

import pytest
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.test import override_settings

from automations.models import CallbackRequest
from calls.models import CallEvent
from portal.api import exception_handler
from tests.calls.conftest import event

EVENTS = "/api/v1/call-events/"


def _error(response, status, code=None):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()["error"]
    assert set(body) == {"code", "message", "fields"}
    if code:
        assert body["code"] == code, body
    return body


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("path", "method"),
    [
        (EVENTS, "post"),
        ("/api/v1/callback-requests/", "post"),
        ("/api/v1/routing/initial-target/", "post"),
        ("/api/v1/triggers/", "post"),
        ("/api/v1/settings/", "put"),
    ],
)
@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_json_deeper_than_32_levels_is_400(api, path, method, depth):
    response = getattr(api, method)(path, data=_nested(depth), content_type="application/json")
    body = _error(response, 400, "parse_error")
    assert "32 levels" in body["message"]


def test_json_of_32_levels_is_parsed(api, tenant):
    response = api.post(EVENTS, data=_nested(32), content_type="application/json")
    assert _error(response, 400)["code"] == "validation_error"  # parsed, then not an event
    one = event("D1", "ended")
    response = api.post(
        EVENTS, data="[" * 31 + json.dumps(one) + "]" * 31, content_type="application/json"
    )
    assert _error(response, 400)["code"] == "validation_error"
    deep_value = {"x_extra": json.loads(_nested(31))}  # the object + 31 arrays = 32 levels
    response = api.post(
        EVENTS, data=json.dumps({**one, **deep_value}), content_type="application/json"
    )
    assert response.status_code == 202, response.content


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100_000)
@pytest.mark.parametrize(
    ("path", "method"),
    [(EVENTS, "post"), ("/api/v1/callback-requests/", "post"), ("/api/v1/settings/", "put")],
)
def test_body_over_the_limit_is_413_in_the_error_format(api, tenant, path, method):
    big = json.dumps([event(f"C{i}", "ended", notes="x" * 200) for i in range(500)])
    assert len(big) > 100_000
    response = getattr(api, method)(path, data=big, content_type="application/json")
    _error(response, 413, "payload_too_large")
    assert not CallEvent.objects.filter(tenant=tenant).exists()


def test_ten_megabytes_are_413_with_the_default_limit(api, tenant):
    response = api.post(EVENTS, data="[" + " " * 10_000_000 + "]", content_type="application/json")
    _error(response, 413, "payload_too_large")


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (RequestDataTooBig("big"), 413, "payload_too_large"),
        (TooManyFieldsSent("many"), 400, "bad_request"),
    ],
)
def test_django_size_errors_raised_in_a_view_use_the_error_format(exc, status, code):
    """Bodies without a Content-Length (or form fields past DATA_UPLOAD_MAX_NUMBER_FIELDS) only
    fail when the view reads them: the API's exception handler answers in its format."""
    response = exception_handler(exc, {"view": None})
    assert response.status_code == status
    assert response.data["error"]["code"] == code and response.data["error"]["fields"] == {}


def test_too_many_query_fields_on_the_api_is_400_in_the_error_format(api):
    query = "&".join(f"f{i}=1" for i in range(1200))  # DATA_UPLOAD_MAX_NUMBER_FIELDS is 1000
    _error(api.get(f"/api/v1/calls/?{query}"), 400, "bad_request")


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "",
    ],
)
def test_call_events_refuse_non_json_content_types(api, tenant, content_type):
    body = json.dumps(event("T1", "ended"))
    response = api.generic("POST", EVENTS, body, content_type)
    _error(response, 415, "unsupported_media_type")
    assert not CallEvent.objects.filter(tenant=tenant).exists()


def test_call_events_accept_json_with_charset(api, tenant):
    body = json.dumps(event("T2", "ended"))
    response = api.generic("POST", EVENTS, body, "application/json; charset=utf-8")
    assert response.status_code == 202, response.content


@pytest.mark.parametrize("path", ["/api/v1/callback-requests/", "/api/v1/routing/initial-target/"])
def test_other_json_endpoints_refuse_non_json(api, path):
    response = api.generic("POST", path, "anum=1", "application/x-www-form-urlencoded")
    _error(response, 415, "unsupported_media_type")


def test_daktela_events_form_still_takes_query_parameters(api, tenant):
    params = {
        "ID": "1WS.1",
        "ActivityID": "act-1",
        "CallEnd": "2026-11-20 10:01:00",
        "Answered": "1",
    }
    response = api.get("/api/v1/call-events/daktela/", params)
    assert response.status_code == 202, response.content
    params["access_token"] = api.raw_key
    response = api.get("/api/v1/call-events/daktela/", {**params, "ActivityID": "act-2"})
    assert response.status_code == 202, response.content


# --- dates out of range ---------------------------------------------------------------------

EDGES = [
    "0001-01-01T00:00:00+01:00",  # year 0 in UTC
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-01:00",  # year 10000 in UTC
    "9999-12-31T23:59:59+00:00",
    "1969-12-31T23:59:59Z",
    "2201-01-01T00:00:00Z",
]


@pytest.mark.parametrize("when", EDGES)
def test_call_event_dates_out_of_range_name_the_field(api, when):
    response = api.post(EVENTS, event("E1", "ended", at=when), format="json")
    assert _error(response, 400, "validation_error")["fields"] == {
        "occurred_at": ["Must be between 1970 and 2200."]
    }


@pytest.mark.parametrize("when", EDGES)
def test_callback_requested_at_out_of_range_names_the_field(api, tenant, when):
    body = {
        "request_id": "r1",
        "callback_list": "cb",
        "phone": "+420773794804",
        "requested_at": when,
    }
    response = api.post("/api/v1/callback-requests/", body, format="json")
    fields = _error(response, 400, "validation_error")["fields"]
    assert list(fields) == ["requested_at"], fields
    assert not CallbackRequest.objects.filter(tenant=tenant).exists()


@pytest.mark.parametrize("name", ["since", "until"])
@pytest.mark.parametrize("when", ["0001-01-01", "9999-12-31", *EDGES])
def test_calls_filter_dates_out_of_range_name_the_field(api, tenant, name, when):
    tenant.time_zone = "America/New_York" if when.startswith("9") else "Asia/Tokyo"
    tenant.save()
    fields = _error(api.get("/api/v1/calls/", {name: when}), 400, "validation_error")["fields"]
    assert list(fields) == [name], fields


@pytest.mark.parametrize("name", ["CallEnd", "CallStart", "RingingStart"])
@pytest.mark.parametrize("when", ["0001-01-01 00:00:00", "9999-12-31 23:59:59", "99999999999"])
def test_daktela_dates_out_of_range_name_the_parameter(api, tenant, name, when):
    tenant.time_zone = "Asia/Tokyo"
    tenant.save()
    params = {"ID": "1WS.1", "ActivityID": "act-9", "CallEnd": "2026-11-20 10:01:00", name: when}
    fields = _error(api.get("/api/v1/call-events/daktela/", params), 400)["fields"]
    assert name in fields, fields
