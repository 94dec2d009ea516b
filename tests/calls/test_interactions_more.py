"""Interactions: the Daktela form's Type, list filters, retry, tenant isolation, channels."""

from calls.models import CallSyncSettings, Interaction
from connectors.models import ConnectorStatus
from delivery.models import SyncRecord
from tests.calls.test_interactions_api import URL, item

DAKTELA = "/api/v1/call-events/daktela/"
FORM = {
    "ID": "1WS.9",
    "ActivityID": "activities_em-77",
    "Type": "EMAIL",
    "CallType": "Complaint",
    "CallStart": "2026-11-20 10:00:10",
    "CallEnd": "2026-11-20 10:05:00",
    "QueueId": "Support",
    "Clid": "jane@example.com",
    "AgentEmail": "j.doe@acme.com",
}


def test_daktela_type_email_is_an_interaction_idempotent_by_activity(
    client, api, tenant, ix_connector, ix_crm, run_on_commit
):
    response = run_on_commit(client.get, DAKTELA, {**FORM, "access_token": api.raw_key})
    assert response.status_code == 202 and response.json() == {"accepted": 1, "duplicates": 0}
    ix = Interaction.objects.for_tenant(tenant).get()
    assert (ix.interaction_id, ix.channel, ix.address_key) == (
        "daktela:activities_em-77",
        "email",
        "jane@example.com",
    )
    assert ix.started_at.isoformat() == "2026-11-20T09:00:10+00:00"  # Europe/Prague
    assert ix.disposition == "Complaint" and ix.source == "daktela"
    assert SyncRecord.objects.for_tenant(tenant).get(interaction=ix).state == "synced"
    again = run_on_commit(client.get, DAKTELA, {**FORM, "access_token": api.raw_key})
    assert again.json() == {"accepted": 0, "duplicates": 1} and ix_crm.requests == 1
    from calls.models import Call

    assert not Call.objects.for_tenant(tenant).exists()


def test_daktela_type_chat_needs_a_phone_and_unknown_type_is_400(client, api, tenant):
    bad = client.get(DAKTELA, {**FORM, "Type": "CHAT", "access_token": api.raw_key})
    assert bad.status_code == 400 and "Clid" in bad.json()["error"]["fields"]
    fax = client.get(DAKTELA, {**FORM, "Type": "FAX", "access_token": api.raw_key})
    assert fax.status_code == 400 and "Type" in fax.json()["error"]["fields"]
    assert not Interaction.objects.for_tenant(tenant).exists()


def test_list_filters(api, tenant, ix_connector, run_on_commit):
    body = [
        item("e-1"),
        item("c-1", "chat", "+420773794804", agent_email="anna@acme.com"),
        item("s-1", "sms", "+420601111222", started_at="2026-11-22T10:00:00+01:00", ended_at=None),
    ]
    assert run_on_commit(api.post, URL, body, format="json").status_code == 202

    def ids(**params):
        response = api.get(URL, params)
        assert response.status_code == 200, response.json()
        return sorted(r["interaction_id"] for r in response.json()["results"])

    assert ids() == ["c-1", "e-1", "s-1"]
    assert ids(channel="chat") == ["c-1"]
    assert ids(address="JANE@example.COM") == ["e-1"]
    assert ids(address="773 794 804") == ["c-1"]
    assert ids(agent_email="Anna@Acme.com") == ["c-1"]
    assert ids(since="2026-11-21") == ["s-1"] and ids(until="2026-11-21") == ["c-1", "e-1"]
    assert ids(sync_state="skipped") == ["s-1"]
    bad = api.get(URL, {"since": "soon"})
    assert bad.status_code == 400 and "since" in bad.json()["error"]["fields"]
    first = api.get(URL).json()["results"][0]
    assert {"connector", "state", "reason", "crm_record_id", "crm_record_url", "attempts"} <= set(
        first["sync"][0]
    )
    assert {"last_error", "next_attempt_at", "match", "updated_at"} <= set(first["sync"][0])


def test_tenant_isolation(api, other_api, tenant, other_tenant, ix_connector, run_on_commit):
    run_on_commit(api.post, URL, item("mine"), format="json")
    run_on_commit(other_api.post, URL, item("mine"), format="json")  # same id, other tenant
    theirs = Interaction.objects.for_tenant(other_tenant).get()
    assert Interaction.objects.for_tenant(tenant).count() == 1  # ids are per tenant
    listed = api.get(URL).json()["results"]
    assert [r["id"] for r in listed] != [theirs.pk] and len(listed) == 1
    assert api.get(URL + f"{theirs.pk}/").status_code == 404
    assert api.post(URL + f"{theirs.pk}/retry/").status_code == 404
    assert not SyncRecord.objects.for_tenant(other_tenant).exists()  # no connector there


def test_retry_after_reenabling_sends_the_skip_and_rebuilds_dead(
    api, tenant, ix_connector, ix_crm, run_on_commit
):
    from tests.calls.fakes import transient

    conf = CallSyncSettings.for_connector(ix_connector)
    conf.enabled = False
    conf.save()
    run_on_commit(api.post, URL, item("e-1"), format="json")
    ix = Interaction.objects.for_tenant(tenant).get()
    row = SyncRecord.objects.for_tenant(tenant).get(interaction=ix)
    assert row.reason == "sync_disabled"
    conf.enabled, conf.default_owner_crm_id = True, "005FIXED"
    conf.save()
    response = run_on_commit(api.post, URL + f"{ix.pk}/retry/")
    assert response.status_code == 202 and response.json() == {"requeued": 1}
    row.refresh_from_db()
    assert row.state == "synced" and row.payload["owner_crm_id"] == "005FIXED"
    # A dead row is rebuilt with today's settings on retry.
    ix_connector.status = ConnectorStatus.AUTHORIZED
    ix_crm.faults = [transient()] * 10
    run_on_commit(api.post, URL, item("e-2"), format="json")
    row2 = SyncRecord.objects.for_tenant(tenant).get(interaction__interaction_id="e-2")
    SyncRecord.objects.for_tenant(tenant).filter(pk=row2.pk).update(state="dead")
    ix_crm.faults = []
    conf.default_owner_crm_id = "005LATER"
    conf.save()
    ix2 = Interaction.objects.for_tenant(tenant).get(interaction_id="e-2")
    assert run_on_commit(api.post, URL + f"{ix2.pk}/retry/").json() == {"requeued": 1}
    row2.refresh_from_db()
    assert row2.state == "synced" and row2.payload["owner_crm_id"] == "005LATER"
    # Nothing to do for synced rows whose payload is unchanged.
    assert run_on_commit(api.post, URL + f"{ix2.pk}/retry/").json() == {"requeued": 0}


def test_channels_in_call_sync_settings_api(api, tenant, ix_connector):
    url = f"/api/v1/connectors/{ix_connector.pk}/call-sync-settings/"
    assert api.get(url).json()["channels"] == ["call", "email", "chat", "sms"]
    response = api.put(url, {"channels": ["sms", "email"]}, format="json")
    assert response.status_code == 200 and response.json()["channels"] == ["email", "sms"]
    bad = api.put(url, {"channels": ["fax"]}, format="json")
    assert bad.status_code == 400 and "channels" in bad.json()["error"]["fields"]
    assert CallSyncSettings.for_connector(ix_connector).channels == ["email", "sms"]
