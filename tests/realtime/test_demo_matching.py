"""The demo out of the box (issue 13 item 6): `seed_demo`, then "Import agents" and "Match by
email" on the demo's Salesforce connector, pair every demo agent with a CRM user."""

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from connectors.models import ConnectorAccount
from contacts.models import MatchedBy, UserMapping
from simulators import registry
from simulators.daktela.data import AGENTS
from simulators.management.commands import seed_demo
from simulators.salesforce import SalesforceSimulator


def test_seeded_demo_matches_all_agents_by_email(
    db, client, start_simulator, daktela_sim, monkeypatch, tmp_path
):
    sf_sim = start_simulator(SalesforceSimulator, contacts=5)
    monkeypatch.setattr(seed_demo, "CREDENTIALS_FILE", tmp_path / "demo-credentials.txt")
    monkeypatch.setattr(
        registry, "urls", lambda: {"salesforce": sf_sim.url, "daktela": daktela_sim.url}
    )
    call_command("seed_demo", stdout=io.StringIO())
    sf = ConnectorAccount.objects.unscoped().get(tenant__slug="demo", kind="salesforce")
    sf.connector.authorize()
    client.force_login(get_user_model().objects.get(username="admin@demo.local"))
    client.post(reverse("contacts:import_agents", args=[sf.pk]))
    client.post(reverse("contacts:match_users", args=[sf.pk]))
    mappings = UserMapping.objects.unscoped().filter(connector=sf)
    assert mappings.count() == len(AGENTS) == 4
    unmatched = [m.agent_id for m in mappings if m.matched_by != MatchedBy.EMAIL]
    assert unmatched == [] and all(m.crm_user_id for m in mappings)
