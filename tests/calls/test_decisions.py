from datetime import datetime, timedelta

import pytest

from calls.decisions import decide_calls
from calls.models import Call, CallSyncSettings
from calls.reasons import reason_text
from connectors.models import ConnectorStatus
from contacts.models import Contact, ContactPhone, UserMapping
from delivery.models import SyncRecord
from portal.phones import phone_row
from tests.calls.conftest import call_events, event
from tests.factories import make_connector

URL = "/api/v1/call-events/"
T0 = datetime.fromisoformat("2026-11-20T10:00:00+01:00")


def send(api, run_on_commit, events):
    response = run_on_commit(api.post, URL, events, format="json")
    assert response.status_code == 202, response.json()


def record_for(tenant, call_id):
    return SyncRecord.objects.unscoped().get(call__tenant=tenant, call__call_id=call_id)


def settings_for(connector, **values):
    conf = CallSyncSettings.for_connector(connector)
    for k, v in values.items():
        setattr(conf, k, v)
    conf.save()
    return conf


@pytest.mark.parametrize(
    "extra, conf, reason",
    [
        ({"privacy": "private"}, {"sync_unclassified": True}, "private"),
        ({"privacy": "unclassified"}, {}, "unclassified"),
        ({}, {"enabled": False}, "sync_disabled"),
        ({}, {"min_duration_seconds": 100}, "below_min_duration"),
    ],
)
def test_skip_reasons(api, tenant, fake_connector, run_on_commit, extra, conf, reason):
    settings_for(fake_connector, **conf)
    send(api, run_on_commit, call_events("C1", duration=95, **extra))
    record = record_for(tenant, "C1")
    assert (record.state, record.reason) == ("skipped", reason)
    assert fake_connector.connector.crm.requests == 0


def test_below_min_duration_reason_in_plain_words(api, tenant, fake_connector, run_on_commit):
    settings_for(fake_connector, min_duration_seconds=10)
    send(api, run_on_commit, call_events("C2", duration=4))
    text = reason_text(record_for(tenant, "C2"))
    assert text == "not synced: the call lasted 4 s, below the 10 s minimum"


def test_unclassified_synced_when_allowed(api, tenant, fake_connector, run_on_commit):
    settings_for(fake_connector, sync_unclassified=True)
    send(api, run_on_commit, call_events("C3", privacy="unclassified"))
    assert record_for(tenant, "C3").state == "synced"


def test_not_authorized_connector(api, tenant, fake_crm, run_on_commit):
    make_connector(
        tenant,
        kind="fake",
        name="Off",
        settings={},
        credentials={},
        status=ConnectorStatus.DISABLED,
    )
    send(api, run_on_commit, call_events("C4"))
    assert record_for(tenant, "C4").reason == "not_authorized"


def test_no_connector_shows_in_api(api, tenant, run_on_commit):
    send(api, run_on_commit, call_events("C5"))
    call = Call.objects.get(tenant=tenant, call_id="C5")
    sync = api.get(f"/api/v1/calls/{call.pk}/").json()["sync"]
    assert sync == [pytest.approx(sync[0])] and sync[0]["reason"] == "no_connector"


def test_missed_call_logged_as_missed_despite_min_duration(
    api, tenant, fake_connector, run_on_commit
):
    settings_for(fake_connector, min_duration_seconds=30)
    send(
        api,
        run_on_commit,
        [event("C6", "ringing"), event("C6", "missed", "2026-11-20T10:00:20+01:00")],
    )
    record = record_for(tenant, "C6")
    assert record.state == "synced"
    log = fake_connector.connector.crm.records[record.key]["log"]
    assert log.status == "missed" and log.missed and "(missed)" in log.subject


@pytest.mark.parametrize("gap, duplicate", [(0, True), (59, True), (60, True), (61, False)])
def test_duplicate_margin_edges(api, tenant, fake_connector, run_on_commit, gap, duplicate):
    settings_for(fake_connector, start_margin_seconds=60)
    send(api, run_on_commit, call_events("D1", start=T0.isoformat()))
    later = (T0 + timedelta(seconds=gap)).isoformat()
    send(api, run_on_commit, call_events("D2", start=later, caller="773 794 804"))
    second = record_for(tenant, "D2")
    assert (second.reason == "duplicate") is duplicate
    assert second.state == ("skipped" if duplicate else "synced")


def test_duplicate_detected_within_one_batch_and_margin_zero_disables(
    api, tenant, fake_connector, run_on_commit
):
    settings_for(fake_connector, start_margin_seconds=30)
    send(api, run_on_commit, call_events("B1") + call_events("B2"))
    reasons = sorted(SyncRecord.objects.unscoped().values_list("call__call_id", "reason"))
    assert reasons == [("B1", ""), ("B2", "duplicate")]
    settings_for(fake_connector, start_margin_seconds=0)
    send(api, run_on_commit, call_events("B3"))
    assert record_for(tenant, "B3").state == "synced"


def test_owner_and_regarding(api, tenant, fake_connector, run_on_commit):
    settings_for(fake_connector, default_owner_crm_id="005DEFAULT")
    UserMapping.objects.create(
        tenant=tenant,
        connector=fake_connector,
        agent_id="other",
        agent_email="J.Doe@Acme.com",
        crm_user_id="005JDOE",
    )
    contact = Contact.objects.create(
        tenant=tenant, connector=fake_connector, crm_id="003C", phones=["+420773794804"]
    )
    ContactPhone.objects.create(
        tenant=tenant, contact=contact, raw="+420773794804", e164="+420773794804", tail="773794804"
    )
    send(api, run_on_commit, call_events("O1"))
    send(
        api,
        run_on_commit,
        call_events(
            "O2", start="2026-11-21T10:00:00+01:00", agent_id="nobody", agent_email="x@acme.com"
        ),
    )
    crm = fake_connector.connector.crm
    first = crm.records[record_for(tenant, "O1").key]["log"]
    second = crm.records[record_for(tenant, "O2").key]["log"]
    assert (first.owner_crm_id, first.contact_crm_id) == ("005JDOE", "003C")
    assert second.owner_crm_id == "005DEFAULT"
    assert first.subject == "Inbound call +420773794804"


def test_deciding_twice_records_one_row(api, tenant, fake_connector, run_on_commit):

    send(api, run_on_commit, call_events("R1"))
    call = Call.objects.get(tenant=tenant, call_id="R1")
    decide_calls(tenant, [call])
    assert SyncRecord.objects.unscoped().filter(call=call).count() == 1
    assert fake_connector.connector.crm.requests == 1


def test_regarding_by_trailing_digits_is_confirmed(api, tenant, fake_connector, run_on_commit):

    def contact(crm_id, raw, region):
        row = Contact.objects.create(tenant=tenant, connector=fake_connector, crm_id=crm_id)
        raw, e164, tail = phone_row(raw, region)
        ContactPhone.objects.create(tenant=tenant, contact=row, raw=raw, e164=e164, tail=tail)

    contact("003SK", "+421 601 234 567", "CZ")  # same last 7 digits, another number
    contact("003NAT", "(0)773 794 804", "GB")  # national format saved under another region
    send(api, run_on_commit, call_events("T1", caller="+420601234567"))
    send(
        api,
        run_on_commit,
        call_events("T2", caller="+420773794804", start="2026-11-21T10:00:00+01:00"),
    )
    crm = fake_connector.connector.crm
    assert crm.records[record_for(tenant, "T1").key]["log"].contact_crm_id == ""
    assert crm.records[record_for(tenant, "T2").key]["log"].contact_crm_id == "003NAT"
