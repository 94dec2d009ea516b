import threading

import pytest
from django.db import connection

from calls import tasks
from calls.models import Call, CallEvent
from tests.calls.conftest import call_events, event
from tests.conftest import api_client_for

URL = "/api/v1/call-events/"


def age_events():
    from datetime import timedelta

    from django.utils import timezone

    CallEvent.objects.unscoped().update(received_at=timezone.now() - timedelta(seconds=5))


def test_single_event_is_accepted_and_folded(api, tenant, fake_connector, run_on_commit):

    response = run_on_commit(api.post, URL, event("1WS.58184", "ringing"), format="json")
    assert response.status_code == 202
    assert response.json() == {"accepted": 1, "duplicates": 0}
    # a call in progress is folded by the sweeper (only end events ring the doorbell)
    assert not Call.objects.unscoped().filter(call_id="1WS.58184").exists()
    age_events()
    run_on_commit(tasks.sweep)
    call = Call.objects.get(tenant=tenant, call_id="1WS.58184")
    assert call.caller_e164 == "+420773794804" and not call.ended
    run_on_commit(
        api.post, URL, event("1WS.58184", "ended", "2026-11-20T10:02:00+01:00"), format="json"
    )
    call.refresh_from_db()
    assert call.ended  # an end event is folded at once


def test_batch_with_duplicates_counts_them(api, tenant):
    events = call_events("1WS.2")
    assert api.post(URL, events, format="json").json() == {"accepted": 3, "duplicates": 0}
    again = api.post(URL, [*events, event("1WS.2", "transferred")], format="json")
    assert again.status_code == 202
    assert again.json() == {"accepted": 1, "duplicates": 3}
    assert CallEvent.objects.for_tenant(tenant).count() == 4


def test_same_event_twice_in_one_batch_is_stored_once(api, tenant):
    ev = event("1WS.3", "ringing")
    assert api.post(URL, [ev, ev], format="json").json() == {"accepted": 1, "duplicates": 1}


def test_event_ids_are_per_tenant(api, other_api, tenant, other_tenant):
    ev = event("1WS.4", "ringing", event_id="evt-shared")
    assert api.post(URL, ev, format="json").json()["accepted"] == 1
    assert other_api.post(URL, ev, format="json").json()["accepted"] == 1


def test_bad_item_in_batch_stores_nothing_and_names_index_and_field(api, tenant):
    events = call_events("1WS.5")
    events.append(event("1WS.5", "ringing", occurred_at="yesterday"))
    response = api.post(URL, events, format="json")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert list(body["fields"]) == ["3"] and "occurred_at" in body["fields"]["3"]
    assert CallEvent.objects.unscoped().count() == 0


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"type": "exploded"}, "type"),
        ({"event_id": None}, "event_id"),
        ({"call_id": ""}, "call_id"),
        ({"occurred_at": "2026-11-20T10:00:00"}, "occurred_at"),  # no offset
        ({"direction": "sideways"}, "direction"),
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"duration_seconds": "95"}, "duration_seconds"),
        ({"privacy": "secret"}, "privacy"),
        ({"caller": "x" * 65}, "caller"),
        ({"event_id": "a\x00b"}, "event_id"),
        ({"occurred_at": "0359-04-03T20:01:57.5038-17:46"}, "occurred_at"),
        ({"occurred_at": "9999-12-31T23:59:59-23:59"}, "occurred_at"),
    ],
)
def test_invalid_single_event_is_400_naming_field(api, patch, field):
    response = api.post(URL, {**event("1WS.6", "ringing"), **patch}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize("body", [b"null", b"42", b"[]", b"{not json", b'"text"'])
def test_malformed_bodies_are_400(api, body):
    response = api.generic("POST", URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("validation_error", "parse_error")


def test_more_than_1000_events_is_400(api):
    events = [event("1WS.7", "ringing") for _ in range(1001)]
    response = api.post(URL, events, format="json")
    assert response.status_code == 400 and CallEvent.objects.unscoped().count() == 0


def test_no_key_is_401(client, db):
    assert client.post(URL, event(), content_type="application/json").status_code == 401


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency")
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_are_stored_once(tenant):
    events = call_events("1WS.conc") + call_events("1WS.conc2")
    clients = [api_client_for(tenant) for _ in range(8)]
    results, barrier = [], threading.Barrier(len(clients))

    def post(c):
        barrier.wait()
        results.append(c.post(URL, events, format="json").json())
        connection.close()

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["accepted"] for r in results) == len(events)
    assert sum(r["duplicates"] for r in results) == len(events) * (len(clients) - 1)
    assert CallEvent.objects.for_tenant(tenant).count() == len(events)
    assert Call.objects.for_tenant(tenant).count() == 2
