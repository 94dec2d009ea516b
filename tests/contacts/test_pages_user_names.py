"""The user-mappings page names CRM users instead of showing their ids (issue 17): for a viewer
(no select to choose from) and for the calls' default owner of unmatched agents."""

from django.test import Client
from django.urls import reverse

from calls.models import CallSyncSettings
from contacts.models import UserMapping
from simulators.salesforce import data as sim_data


def test_viewers_and_the_default_owner_see_crm_user_names(viewer_user, tenant, sf, sf_sim):
    jan = sim_data.make_id("User", 2)  # Jan Novák in the simulator
    UserMapping.objects.create(tenant=tenant, connector=sf, agent_id="jnovak", crm_user_id=jan)
    CallSyncSettings.objects.for_tenant(tenant).filter(connector=sf).update(
        default_owner_crm_id=jan
    )
    client = Client()
    client.force_login(viewer_user)
    page = client.get(reverse("contacts:user_mappings"), {"connector": sf.pk}).content.decode()
    assert page.count("Jan Novák") == 2  # the agent's row and the default owner
    assert jan not in page
