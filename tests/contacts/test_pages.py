"""Pages of the contacts section: search, detail, mappings, sync jobs, contact center, roles."""

import pytest
from django.urls import reverse

from calls.models import CallSyncSettings
from contacts.models import ContactSyncSettings, FieldMapping, UserMapping
from jobs.models import Job
from platforms.models import ContactCenterAccount
from simulators.daktela import DEMO_TOKEN
from simulators.salesforce import data as sim_data
from tests.conftest import make_user
from tests.contacts.helpers import make_contact, make_sync_job

pytestmark = pytest.mark.django_db


def test_search_by_name_email_and_phone(member_client, tenant, other_tenant):
    make_contact(
        tenant,
        crm_id="A",
        first_name="Anna",
        last_name="Horáková",
        phones=["773 794 804"],
        email="anna@firm.cz",
    )
    make_contact(
        tenant, crm_id="B", first_name="Bob", last_name="Stone", phones=["+420 601 234 567"]
    )
    make_contact(other_tenant, crm_id="X", first_name="Anna", last_name="Foreign")
    url = reverse("contacts:index")
    page = member_client.get(url).content.decode()
    assert "Horáková" in page and "Stone" in page and "Foreign" not in page
    for q in ("horák", "anna@firm", "+420 773-794-804", "00420773794804"):
        page = member_client.get(url, {"q": q}).content.decode()
        assert "Horáková" in page and "Stone" not in page, q
    assert "No contact matches" in member_client.get(url, {"q": "zzz"}).content.decode()


def test_detail_shows_phones_and_fields(member_client, tenant):
    c = make_contact(tenant, crm_id="A", phones=["(0)773-794-804"], first_name="Ann")
    page = member_client.get(reverse("contacts:detail", args=[c.pk])).content.decode()
    assert "(0)773-794-804" in page and "Ann" in page


def test_field_mapping_picker_and_create(member_client, tenant, sf, sf_sim):
    url = reverse("contacts:field_mappings")
    page = member_client.get(url).content.decode()
    assert 'value="Customer_Tier__c"' in page  # the picker is filled from the CRM's describe
    picker = member_client.get(
        reverse("contacts:crm_field_options"), {"connector": sf.pk, "crm_object": "Account"}
    )
    assert (
        'value="Name"' in picker.content.decode()
        and "Customer_Tier__c" not in picker.content.decode()
    )
    r = member_client.post(
        url, {"connector": sf.pk, "crm_object": "Contact", "crm_field": "Nope", "cc_field": "x"}
    )
    assert r.status_code == 200 and not FieldMapping.objects.unscoped().exists()
    r = member_client.post(
        url,
        {
            "connector": sf.pk,
            "crm_object": "Contact",
            "crm_field": "Customer_Tier__c",
            "cc_field": "tier",
        },
    )
    assert r.status_code == 302 and FieldMapping.objects.unscoped().get().cc_field == "tier"


def test_missing_field_is_shown_as_a_warning(member_client, tenant, sf):
    from django.utils import timezone

    FieldMapping.objects.create(
        tenant=tenant, connector=sf, crm_field="Gone__c", cc_field="g", missing_since=timezone.now()
    )
    page = member_client.get(
        reverse("contacts:field_mappings"), {"connector": sf.pk}
    ).content.decode()
    assert "Missing in CRM since" in page


def test_user_mappings_page_match_and_manual_choice(member_client, tenant, sf, sf_sim):
    UserMapping.objects.create(
        tenant=tenant, connector=sf, agent_id="jnovak", agent_email="Jan.Novak@acme-sim.example.com"
    )
    ghost = UserMapping.objects.create(
        tenant=tenant, connector=sf, agent_id="ghost", agent_email="ghost@x.example"
    )
    url = reverse("contacts:user_mappings")
    page = member_client.get(url, {"connector": sf.pk}).content.decode()
    assert "Unmatched" in page and "Jan Novák" in page  # CRM users offered in the select
    r = member_client.post(reverse("contacts:match_users", args=[sf.pk]))
    assert r.status_code == 302
    assert UserMapping.objects.unscoped().get(agent_id="jnovak").crm_user_id == sim_data.make_id(
        "User", 2
    )
    user_id = sim_data.make_id("User", 7)
    member_client.post(
        reverse("contacts:user_mapping_update", args=[ghost.pk]),
        {"crm_user_id": user_id, "crm_email": ""},
    )
    ghost.refresh_from_db()
    assert ghost.crm_user_id == user_id and ghost.matched_by == "manual"
    r = member_client.post(
        url + f"?connector={sf.pk}",
        {"connector": sf.pk, "agent_id": "new", "agent_email": "n@x.example"},
    )
    assert r.status_code == 302 and UserMapping.objects.unscoped().filter(agent_id="new").exists()


def test_sync_page_progress_and_sync_now(member_client, tenant, sf, monkeypatch):
    monkeypatch.setattr("contacts.tasks.run_contact_sync_task.delay", lambda pk: None)
    page = member_client.get(reverse("contacts:sync")).content.decode()
    assert "Sync now" in page and sf.name in page
    r = member_client.post(reverse("contacts:sync_now", args=[sf.pk]))
    assert r.status_code == 302
    job = Job.objects.unscoped().get(kind="contact_sync")
    Job.objects.unscoped().filter(pk=job.pk).update(status="running", done=40, total=100)
    partial = member_client.get(reverse("contacts:job_progress", args=[job.pk])).content.decode()
    assert "width: 40%" in partial and 'hx-trigger="every 1s"' in partial
    Job.objects.unscoped().filter(pk=job.pk).update(status="succeeded", done=100)
    partial = member_client.get(reverse("contacts:job_progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in partial  # finished: the bar stops polling
    r = member_client.post(
        reverse("contacts:sync_settings", args=[sf.pk]),
        {"enabled": "on", "interval_minutes": "15", "reconcile_hours": "24"},
    )
    assert ContactSyncSettings.objects.unscoped().get(connector=sf).interval_minutes == 15


def test_contact_center_page(member_client, tenant):
    url = reverse("contacts:cc_index")
    r = member_client.post(
        url,
        {
            "name": "Daktela",
            "url": "https://acme.daktela.com",
            "access_token": "t0ken",
            "enabled": "on",
        },
    )
    assert r.status_code == 302
    account = ContactCenterAccount.objects.unscoped().get()
    assert account.credentials == {"access_token": "t0ken"}
    page = member_client.get(url).content.decode()
    assert "t0ken" not in page and "acme.daktela.com" in page
    edit = member_client.get(reverse("contacts:cc_edit", args=[account.pk])).content.decode()
    assert "t0ken" not in edit
    member_client.post(
        reverse("contacts:cc_edit", args=[account.pk]),
        {"name": "Daktela 2", "url": "https://acme.daktela.com", "access_token": ""},
    )
    account.refresh_from_db()
    assert account.name == "Daktela 2" and account.credentials == {"access_token": "t0ken"}


@pytest.mark.parametrize(
    "name,args,data",
    [
        ("contacts:field_mappings", [], {"cc_field": "x"}),
        ("contacts:cc_index", [], {"name": "x"}),
        ("contacts:user_mappings", [], {"agent_id": "x"}),
    ],
)
def test_viewers_cannot_change_anything(client, tenant, sf, name, args, data):
    client.force_login(make_user("v@acme.test", tenant, "viewer"))
    assert client.get(reverse(name, args=args), {"users": "0"}).status_code == 200
    assert client.post(reverse(name, args=args), data).status_code == 403


def test_support_can_sync_but_not_configure(client, tenant, sf, monkeypatch):
    monkeypatch.setattr("contacts.tasks.run_contact_sync_task.delay", lambda pk: None)
    client.force_login(make_user("s@acme.test", tenant, "support"))
    assert client.post(reverse("contacts:sync_now", args=[sf.pk])).status_code == 302
    assert (
        client.post(
            reverse("contacts:sync_settings", args=[sf.pk]), {"interval_minutes": "5"}
        ).status_code
        == 403
    )
    assert client.post(reverse("contacts:match_users", args=[sf.pk])).status_code == 403
    job = make_sync_job(tenant)
    assert client.get(reverse("contacts:job_progress", args=[job.pk])).status_code == 200


def test_import_agents_from_daktela(member_client, tenant, sf, daktela_sim):
    from tests.contacts.helpers import make_cc_account

    make_cc_account(tenant, url=daktela_sim.url, token=DEMO_TOKEN)
    UserMapping.objects.create(
        tenant=tenant, connector=sf, agent_id="jdoe", agent_email="kept@x.example"
    )
    member_client.post(reverse("contacts:import_agents", args=[sf.pk]))
    agents = dict(
        UserMapping.objects.unscoped().filter(connector=sf).values_list("agent_id", "agent_email")
    )
    assert (
        agents["asmith"] == "Anna.Smith@acme-sim.example.com" and agents["jdoe"] == "kept@x.example"
    )
    assert len(agents) == len(daktela_sim.agents)


def test_user_mappings_page_shows_the_calls_default_owner(member_client, tenant, sf):
    url = reverse("contacts:user_mappings")
    page = member_client.get(url, {"connector": sf.pk, "users": "0"}).content.decode()
    assert "not set" in page
    # The connector's settings row exists from its creation on (calls/models/sync.py).
    settings_rows = CallSyncSettings.objects.for_tenant(tenant).filter(connector=sf)
    assert settings_rows.update(default_owner_crm_id="005OWNER") == 1
    page = member_client.get(url, {"connector": sf.pk, "users": "0"}).content.decode()
    assert "005OWNER" in page
    assert reverse("calls:connector_settings", args=[sf.pk]) in page
