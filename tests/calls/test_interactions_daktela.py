"""The Daktela form's Type EMAIL / CHAT / SMS completed from Daktela's API like calls, over real
HTTP against the Daktela simulator: what the form leaves out is read from the activity."""

import pytest

from calls.models import Interaction
from platforms.models import ContactCenterAccount
from simulators.daktela.data import DEMO_TOKEN

DAKTELA = "/api/v1/call-events/daktela/"
# The simulator's closed e-mail activity: jane@example.com, "Refund", queue 3000, 09:00-09:05.
MINIMAL = {"ActivityID": "activities_demo_mail", "Type": "EMAIL", "CallEnd": "2026-11-20 09:05:00"}


@pytest.fixture
def daktela(tenant, daktela_sim):
    account = ContactCenterAccount(tenant=tenant, name="Daktela sim", url=daktela_sim.url)
    account.credentials = {"access_token": DEMO_TOKEN}
    account.save()
    return account


def get(client, api, run_on_commit, params):
    return run_on_commit(client.get, DAKTELA, {**params, "access_token": api.raw_key})


def test_missing_fields_are_read_from_daktela(
    client, api, tenant, daktela, daktela_sim, run_on_commit
):
    response = get(client, api, run_on_commit, MINIMAL)
    assert response.status_code == 202, response.json()
    ix = Interaction.objects.for_tenant(tenant).get()
    assert (ix.channel, ix.address, ix.direction) == ("email", "jane@example.com", "in")
    assert ix.subject == "Refund" and ix.queue == "3000"
    assert ix.agent_email.lower().startswith("j.doe@")
    assert ix.started_at.isoformat() == "2026-11-20T08:00:00+00:00"  # Europe/Prague
    assert ix.ended_at.isoformat() == "2026-11-20T08:05:00+00:00"
    assert any("activities_demo_mail" in path for _m, path in daktela_sim.requests)


def test_the_forms_values_win(client, api, tenant, daktela, run_on_commit):
    form = {**MINIMAL, "QueueId": "Support", "Clid": "John@Example.com", "CallType": "Done"}
    assert get(client, api, run_on_commit, form).status_code == 202
    ix = Interaction.objects.for_tenant(tenant).get()
    assert (ix.queue, ix.address_key, ix.disposition) == ("Support", "john@example.com", "Done")
    assert ix.subject == "Refund"  # not in the form: from Daktela


def test_without_a_daktela_account_the_form_alone(client, api, tenant, run_on_commit):
    response = get(client, api, run_on_commit, MINIMAL)  # no Clid, nothing to complete from
    assert response.status_code == 400 and "Clid" in response.json()["error"]["fields"]
    assert not Interaction.objects.for_tenant(tenant).exists()
