"""The official `retailcrm` client library talks to our simulator: proof its wire format
(form fields holding JSON strings, PHP-style query filters, X-API-KEY) matches retailCRM's."""

import pytest
import retailcrm

from simulators.retailcrm import API_KEY, RetailCRMSimulator


@pytest.fixture(scope="module")
def sim():
    simulator = RetailCRMSimulator().start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="module")
def client(sim):
    return retailcrm.v5(sim.url, API_KEY)


MODULE = {
    "code": "lib-test",
    "integrationCode": "lib-test",
    "active": True,
    "name": "Library test",
    "baseUrl": "https://pbx.example",
    "clientId": "lib-client-id",
    "accountUrl": "https://pbx.example/account",
    "actions": {},
    "integrations": {
        "telephony": {
            "makeCallUrl": "https://pbx.example/make-call",
            "inputEventSupported": True,
            "outputEventSupported": True,
            "hangupEventSupported": True,
            "additionalCodes": [{"userId": 8, "code": "101"}],
        }
    },
}


def test_credentials_and_versions(client):
    assert client.api_credentials().is_successful()
    assert "5.0" in client.api_versions().get_response()["versions"]


def test_wrong_key_is_403_with_error_msg(sim):
    response = retailcrm.v5(sim.url, "nope").customers()
    assert response.get_status_code() == 403
    assert response.get_error_msg() == 'Wrong "apiKey" value.'


def test_integration_module_edit_and_read(client, sim):
    created = client.integration_module_edit(MODULE)
    assert created.get_status_code() == 201 and created.is_successful()
    assert client.integration_module_edit(MODULE).get_status_code() == 200
    assert (
        sim.modules["lib-test"]["integrations"]["telephony"]["additionalCodes"][0]["code"] == "101"
    )
    assert (
        client.integration_module("lib-test").get_response()["integrationModule"]["clientId"]
        == "lib-client-id"
    )


def test_integration_module_edit_rejects_missing_make_call_url(client):
    broken = {
        **MODULE,
        "code": "broken",
        "integrations": {"telephony": {"inputEventSupported": True}},
    }
    response = client.integration_module_edit(broken)
    assert response.get_status_code() == 400
    assert "integrations.telephony.makeCallUrl" in response.get_errors()


def test_telephony_call_event(client, sim):
    client.integration_module_edit(MODULE)
    event = {"phone": "+420773794804", "type": "in", "codes": ["101"], "callExternalId": "x1"}
    assert client.telephony_call_event(event).is_successful()
    assert sim.events[-1] == event
    bad = client.telephony_call_event({"phone": "+420773794804", "type": "ringing"})
    assert bad.get_status_code() == 400 and "type" in bad.get_errors()


def test_telephony_calls_upload_dedupes_by_external_id(client, sim):
    calls = [
        {
            "date": "2026-11-20 10:00:00",
            "type": "in",
            "phone": "+420773794804",
            "code": "101",
            "result": "answered",
            "duration": 95,
            "externalId": "lib-1",
        },
        {
            "date": "2026-11-20 10:05:00",
            "type": "in",
            "phone": "+420773794804",
            "result": "no answer",
            "duration": 0,
            "externalId": "lib-2",
        },
    ]
    first = client.telephony_calls_upload(calls).get_response()
    assert first["processedCallsCount"] == 2 and first["duplicateCalls"] == []
    second = client.telephony_calls_upload(calls).get_response()
    assert second["processedCallsCount"] == 0 and second["duplicateCalls"] == ["lib-1", "lib-2"]
    bad = client.telephony_calls_upload([{**calls[0], "date": "yesterday", "externalId": "lib-3"}])
    assert bad.get_status_code() == 400 and "calls[0][date]" in bad.get_errors()


def test_telephony_manager(client):
    found = client.telephony_manager("+420 773 794 804").get_response()
    assert found["customer"]["lastName"] == "Novakova" and found["manager"]["id"] == 7


def test_customers_filters_and_paging(client):
    page = client.customers({"name": "Novak"}, limit=20).get_response()
    assert {c["lastName"] for c in page["customers"]} == {"Novakova", "Novak"}
    by_ids = client.customers({"ids": [101, 102]}, limit=20).get_response()
    assert [c["id"] for c in by_ids["customers"]] == [101, 102]
    everyone = client.customers(limit=20, page=1).get_response()
    assert everyone["pagination"]["totalCount"] == 12
    assert client.customers(limit=7).get_status_code() == 400  # only 20, 50, 100


def test_users_and_tasks(client):
    active = client.users({"active": 1}, limit=20).get_response()["users"]
    assert {u["id"] for u in active} == {7, 8, 9}
    created = client.task_create({"text": "Call back", "performerId": 8})
    assert created.get_status_code() == 201 and created.get_response()["id"]
    assert client.task_create({"text": "Nobody", "performerId": 999}).get_status_code() == 400


def test_integration_module_switched_off_and_on_again(client, sim):
    """Disconnect's request: the same module with `active: false`; telephony is refused then."""
    assert client.integration_module_edit(MODULE).is_successful()
    off = client.integration_module_edit({**MODULE, "active": False})
    assert off.get_status_code() == 200 and off.is_successful()
    module = client.integration_module("lib-test").get_response()["integrationModule"]
    assert module["active"] is False and module["clientId"] == "lib-client-id"
    active_elsewhere = [m for m in sim.modules.values() if m.get("active")]
    assert active_elsewhere == []  # no other module keeps telephony on in this simulator
    event = client.telephony_call_event({"phone": "+420773794804", "type": "in", "codes": ["101"]})
    assert event.get_status_code() == 400
    assert event.get_error_msg() == "Telephony integration is not active"
    upload = client.telephony_calls_upload(
        [
            {
                "date": "2026-11-20 11:00:00",
                "type": "in",
                "phone": "+420773794804",
                "externalId": "off-1",
            }
        ]
    )
    assert upload.get_status_code() == 400 and "not active" in upload.get_error_msg()
    assert "off-1" not in sim.calls

    assert client.integration_module_edit(MODULE).get_status_code() == 200  # on again
    assert client.integration_module("lib-test").get_response()["integrationModule"]["active"]
    assert client.telephony_call_event(
        {"phone": "+420773794804", "type": "in", "codes": ["101"]}
    ).is_successful()


def test_telephony_calls_upload_keeps_the_first_upload(client, sim):
    """What the connector relies on for "unchanged": a second upload of an externalId, with a
    recording added, is a duplicate and the stored call stays as first uploaded."""
    call = {
        "date": "2026-11-21 10:00:00",
        "type": "in",
        "phone": "+420773794804",
        "result": "answered",
        "duration": 30,
        "externalId": "lib-keep",
    }
    assert client.telephony_calls_upload([call]).get_response()["processedCallsCount"] == 1
    later = {**call, "recordUrl": "https://rec.example/x.mp3", "duration": 45}
    second = client.telephony_calls_upload([later]).get_response()
    assert second["duplicateCalls"] == ["lib-keep"] and second["processedCallsCount"] == 0
    assert sim.calls["lib-keep"]["duration"] == 30 and "recordUrl" not in sim.calls["lib-keep"]
