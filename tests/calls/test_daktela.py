from calls.models import Call, CallActivity
from delivery.models import SyncRecord

URL = "/api/v1/call-events/daktela/"

PARAMS = {
    "ID": "1WS.58184",
    "ActivityID": "activities_181s-d845",
    "CallType": "Complaint",
    "Direction": "in",
    "QueueStart": "2026-11-20 10:00:00",
    "RingingStart": "2026-11-20 10:00:03",
    "CallStart": "2026-11-20 10:00:10",
    "CallEnd": "2026-11-20 10:01:45",
    "Answered": "1",
    "Duration": "95",
    "WaitTime": "10",
    "QueueId": "Support",
    "Clid": "773794804",
    "AgentEmail": "j.doe@acme.com",
}


def test_daktela_get_with_query_token(
    client, api, tenant, fake_connector, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(URL, {**PARAMS, "access_token": api.raw_key})
    assert response.status_code == 202 and response.json() == {"accepted": 1, "duplicates": 0}
    call = Call.objects.get(tenant=tenant, call_id="1WS.58184")
    assert call.ended and call.status == "answered" and call.duration_seconds == 95
    assert call.caller_e164 == "+420773794804" and call.direction == "in"
    assert call.started_at.isoformat() == "2026-11-20T09:00:03+00:00"  # Europe/Prague
    assert CallActivity.objects.unscoped().get(call=call).agent_email == "j.doe@acme.com"
    assert SyncRecord.objects.unscoped().get(call=call).state == "synced"
    again = client.get(URL, {**PARAMS, "access_token": api.raw_key})
    assert again.json() == {"accepted": 0, "duplicates": 1}


def test_daktela_unanswered_is_missed_and_placeholders_ignored(
    api, tenant, django_capture_on_commit_callbacks
):
    params = {**PARAMS, "Answered": "0", "CallStart": "{CallStart}", "Duration": ""}
    with django_capture_on_commit_callbacks(execute=True):
        assert api.get(URL, params).status_code == 202
    call = Call.objects.get(tenant=tenant)
    assert call.status == "missed" and call.answered_at is None and call.ended


def test_daktela_bad_params_are_400(api):
    for bad, field in (
        ({"ActivityID": ""}, "ActivityID"),
        ({"CallEnd": "soon"}, "CallEnd"),
        ({"Duration": "long"}, "Duration"),
        ({"ID": ""}, "ID"),
    ):
        response = api.get(URL, {**PARAMS, **bad})
        assert response.status_code == 400, bad
        assert field in response.json()["error"]["fields"]


def test_daktela_without_token_is_401(client, db):
    assert client.get(URL, PARAMS).status_code == 401
