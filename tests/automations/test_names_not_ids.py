"""Names instead of raw ids (issue 17, item 9), over real HTTP against the Salesforce
simulator: the callback profile's CRM queue, a contact's owner, the call-sync default owner
(a dropdown of the CRM's users, as user mappings offer); a Dynamics default owner that is no
GUID is a form error."""

import pytest
from django.urls import reverse

from automations.models import CallbackProfile
from calls.models import CallSyncSettings
from contacts.models import Contact
from tests.factories import authorized_salesforce, make_connector

pytestmark = pytest.mark.simulator(contacts=3)


@pytest.fixture
def sf(tenant, salesforce_sim):
    return authorized_salesforce(tenant, salesforce_sim, "Sales org")


def test_callback_profile_list_shows_the_queue_name(member_client, tenant, sf, salesforce_sim):
    support = next(q for q in salesforce_sim.queues if q["Name"] == "Support")
    CallbackProfile.objects.create(
        tenant=tenant, connector=sf, name="P", callback_list="cb", crm_queue_id=support["Id"]
    )
    html = member_client.get(reverse("automations:index")).content.decode()
    assert "<td>Support</td>" in html and support["Id"] not in html


def test_unknown_queue_id_stays_visible_as_an_id(member_client, tenant, sf):
    CallbackProfile.objects.create(
        tenant=tenant, connector=sf, name="P", callback_list="cb", crm_queue_id="00Gnope"
    )
    html = member_client.get(reverse("automations:index")).content.decode()
    assert "00Gnope" in html


def test_contact_page_names_the_owner(member_client, tenant, sf, salesforce_sim):
    user = next(u for u in salesforce_sim.users if u["IsActive"] and u.get("Email"))
    contact = Contact.objects.create(
        tenant=tenant, connector=sf, crm_id="003X", first_name="Jana", owner_crm_id=user["Id"]
    )
    html = member_client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert user["Name"] in html and user["Email"] in html
    assert "Owner (CRM user id)" not in html


def test_default_owner_is_a_dropdown_of_crm_users(member_client, tenant, sf, salesforce_sim):
    url = reverse("calls:connector_settings", args=[sf.pk])
    html = member_client.get(url).content.decode()
    user = next(u for u in salesforce_sim.users if u["IsActive"])
    assert '<select name="default_owner_crm_id"' in html
    assert f'<option value="{user["Id"]}">{user["Name"]}' in html
    data = {
        "enabled": "on",
        "min_duration_seconds": 0,
        "start_margin_seconds": 0,
        "subject_template": "Call {direction}",
        "default_owner_crm_id": user["Id"],
    }
    assert member_client.post(url, data).status_code == 302
    assert CallSyncSettings.for_connector(sf).default_owner_crm_id == user["Id"]
    r = member_client.post(url, {**data, "default_owner_crm_id": "005NOT-A-USER"})
    assert r.status_code == 200 and "Select a valid choice" in r.content.decode()


def test_dynamics_default_owner_must_be_a_guid(member_client, tenant):
    dyn = make_connector(
        tenant,
        kind="dynamics365",
        settings={
            "instance_url": "https://x.crm4.dynamics.com",
            "client_id": "c",
            "directory_id": "d",
        },
        credentials={"client_secret": "s"},
    )
    url = reverse("calls:connector_settings", args=[dyn.pk])
    html = member_client.get(url).content.decode()
    assert "authorize the connector first" in html  # no users to offer: a checked text box
    data = {
        "enabled": "on",
        "min_duration_seconds": 0,
        "start_margin_seconds": 0,
        "subject_template": "Call {direction}",
        "default_owner_crm_id": "not-a-guid",
    }
    r = member_client.post(url, data)
    html = r.content.decode()
    assert r.status_code == 200 and "Not a Microsoft Dynamics 365 user id" in html
    assert CallSyncSettings.for_connector(dyn).default_owner_crm_id == ""
    good = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    assert member_client.post(url, {**data, "default_owner_crm_id": good}).status_code == 302
    assert CallSyncSettings.for_connector(dyn).default_owner_crm_id == good
