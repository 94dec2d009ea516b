"""Outside URLs: recording_url must be http(s) at input; anything else renders as text."""

import pytest

from calls.models import Call
from calls.validation import validate_event
from contacts.models import Contact
from delivery.models import SyncRecord
from tests.calls.conftest import event, fake_connector, fake_crm  # noqa: F401 (fixtures)
from tests.realtime.helpers import make_contact

URL = "/api/v1/call-events/"
BAD = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "http://",
    "https://ok.example/a b",
    "ftp://files.example/rec.wav",
]


@pytest.mark.parametrize("value", BAD)
def test_non_http_recording_url_is_400_naming_the_field(api, value):
    response = api.post(URL, event("1WS.9", recording_url=value), format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"]["recording_url"] == ["Must be an http:// or https:// URL."]
    assert not Call.objects.unscoped().exists()


def test_bad_item_in_a_batch_names_its_index(api):
    body = [
        event("1WS.1", recording_url="https://rec.example/1.mp3"),
        event("1WS.2", recording_url="javascript:alert(1)"),
    ]
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["1"]
    assert "recording_url" in response.json()["error"]["fields"]["1"]


@pytest.mark.parametrize("value", ["https://rec.example/a.mp3?sig=x#t=3", "HTTP://rec.example/b"])
def test_http_recording_urls_are_accepted(api, value):
    response = api.post(URL, event("1WS.3", recording_url=value), format="json")
    assert response.status_code == 202


def test_daktela_form_goes_through_the_same_validation():

    _clean, errors = validate_event(
        {
            "event_id": "e",
            "call_id": "c",
            "type": "ended",
            "occurred_at": "2026-11-20T10:00:00Z",
            "recording_url": "javascript:alert(1)",
        }
    )
    assert "recording_url" in errors


@pytest.fixture
def stored_call(api, tenant, fake_connector, django_capture_on_commit_callbacks):  # noqa: F811
    """A call stored before the fix: its recording_url and a sync's CRM link are javascript:."""
    with django_capture_on_commit_callbacks(execute=True):  # ingest -> fold -> decide (eager)
        assert api.post(URL, event("1WS.7"), format="json").status_code == 202
    call = Call.objects.get(tenant=tenant, call_id="1WS.7")
    Call.objects.unscoped().filter(pk=call.pk).update(recording_url="javascript:alert('rec')")
    return call


def test_stored_javascript_recording_is_text_not_a_link(member_client, stored_call):
    html = member_client.get(f"/calls/{stored_call.pk}/").content.decode()
    assert "javascript:alert(&#x27;rec&#x27;)" in html  # shown, escaped
    assert 'href="javascript:' not in html.replace(" ", "")


def test_stored_javascript_crm_links_are_not_links(member_client, tenant, stored_call):
    updated = (
        SyncRecord.objects.unscoped()
        .filter(call=stored_call)
        .update(crm_record_url="javascript:alert('sync')")
    )
    assert updated == 1
    contact = make_contact(tenant, "+420773794804", crm_url="javascript:alert('crm')")
    for path in [f"/calls/{stored_call.pk}/", "/calls/", f"/contacts/{contact.pk}/"]:
        response = member_client.get(path)
        html = response.content.decode()
        assert response.status_code == 200, path
        assert 'href="javascript:' not in html, path
    detail = member_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "javascript:alert(&#x27;crm&#x27;)" in detail  # the contact page shows it as text
    assert Contact.objects.unscoped().filter(crm_url__startswith="javascript:").exists()


def test_http_recording_is_a_link(member_client, api, tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api.post(URL, event("1WS.8", recording_url="https://rec.example/8.mp3"), format="json")
    call = Call.objects.get(tenant=tenant, call_id="1WS.8")
    html = member_client.get(f"/calls/{call.pk}/").content.decode()
    assert (
        '<a href="https://rec.example/8.mp3" target="_blank" rel="noopener noreferrer">listen</a>'
        in html
    )
