"""REST API of contacts, field mappings, user mappings, sync-contacts, match-users and
contact-center accounts (../shared/API.md)."""

import pytest

from contacts.models import ContactSyncSettings, FieldMapping, UserMapping
from jobs.models import Job
from platforms.models import ContactCenterAccount
from simulators.salesforce import data as sim_data
from tests.contacts.helpers import make_contact
from tests.factories import make_connector

pytestmark = pytest.mark.django_db


def test_contacts_list_filters_and_detail(api, tenant, other_tenant):
    a = make_contact(tenant, crm_id="A", phones=["773 794 804"], email="Ann@Example.com")
    b = make_contact(tenant, crm_id="B", phones=["+420 601 234 567"], email="bob@example.com")
    make_contact(other_tenant, crm_id="A", phones=["773 794 804"], email="ann@example.com")
    body = api.get("/api/v1/contacts/").json()
    assert body["count"] == 2 and {r["crm_id"] for r in body["results"]} == {"A", "B"}
    for phone in ("+420773794804", "00420 773 794 804", "773-794-804"):
        rows = api.get("/api/v1/contacts/", {"phone": phone}).json()["results"]
        assert [r["id"] for r in rows] == [a.pk], phone
    rows = api.get("/api/v1/contacts/", {"email": "ann@example.com"}).json()["results"]
    assert [r["id"] for r in rows] == [a.pk]
    rows = api.get("/api/v1/contacts/", {"connector": b.connector_id}).json()["results"]
    assert len(rows) == 2
    assert api.get("/api/v1/contacts/", {"connector": "x"}).status_code == 400
    detail = api.get(f"/api/v1/contacts/{a.pk}/").json()
    assert detail["phones"] == ["+420773794804"] and detail["connector"] == a.connector_id
    assert set(detail) >= {
        "first_name",
        "last_name",
        "account",
        "owner_crm_id",
        "fields",
        "crm_url",
        "crm_modified_at",
    }
    assert api.post("/api/v1/contacts/", {}, format="json").status_code == 405


def test_field_mapping_must_exist_in_crm_metadata(api, tenant, sf, sf_sim):
    url = "/api/v1/field-mappings/"
    bad = api.post(
        url, {"connector": sf.pk, "crm_field": "NoSuch__c", "cc_field": "x"}, format="json"
    )
    assert bad.status_code == 400
    assert "NoSuch__c" in bad.json()["error"]["message"]
    assert "crm_field" in bad.json()["error"]["fields"]
    ok = api.post(
        url,
        {"connector": sf.pk, "crm_field": "Customer_Tier__c", "cc_field": "tier"},
        format="json",
    )
    assert ok.status_code == 201, ok.json()
    assert ok.json()["crm_object"] == "Contact" and ok.json()["missing_since"] is None
    assert (
        ContactSyncSettings.objects.unscoped().get(connector=sf).full_sync_requested
    )  # values refresh
    dup = api.post(
        url, {"connector": sf.pk, "crm_field": "Email", "cc_field": "tier"}, format="json"
    )
    assert dup.status_code == 400 and "cc_field" in dup.json()["error"]["fields"]
    pk = ok.json()["id"]
    assert api.patch(f"{url}{pk}/", {"crm_field": "Nope"}, format="json").status_code == 400
    assert api.patch(f"{url}{pk}/", {"crm_field": "Department"}, format="json").status_code == 200
    assert FieldMapping.objects.unscoped().get(pk=pk).crm_field == "Department"
    assert api.delete(f"{url}{pk}/").status_code == 204


def test_field_mapping_when_the_crm_is_down_is_a_4xx(api, tenant, sf, sf_sim):
    sf_sim.fail_next(status=503, times=5)
    r = api.post(
        "/api/v1/field-mappings/",
        {"connector": sf.pk, "crm_field": "Email", "cc_field": "m"},
        format="json",
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "crm_error"


def test_field_mapping_with_a_foreign_connector_is_rejected(api, other_tenant):
    foreign = make_connector(other_tenant)
    r = api.post(
        "/api/v1/field-mappings/",
        {"connector": foreign.pk, "crm_field": "Email", "cc_field": "m"},
        format="json",
    )
    assert r.status_code == 400 and "connector" in r.json()["error"]["fields"]


def test_match_users_case_insensitive_override_first_manual_kept(api, tenant, sf, sf_sim):
    jan = sim_data.make_id("User", 2)  # jan.novak@acme-sim.example.com
    john = sim_data.make_id("User", 4)  # j.doe@acme-sim.example.com
    mk = lambda **kw: UserMapping.objects.create(tenant=tenant, connector=sf, **kw)  # noqa: E731
    mk(agent_id="jnovak", agent_email="JAN.NOVAK@ACME-SIM.EXAMPLE.COM")
    mk(
        agent_id="jdoe",
        agent_email="john@contact-center.example",
        crm_email="J.Doe@acme-sim.example.com",
    )
    mk(agent_id="ghost", agent_email="ghost@nowhere.example")
    mk(
        agent_id="manual",
        agent_email="jan.novak@acme-sim.example.com",
        crm_user_id="005MANUAL",
        matched_by="manual",
    )
    old = mk(agent_id="olduser", agent_email="old.agent@acme-sim.example.com")  # inactive user
    r = api.post(f"/api/v1/connectors/{sf.pk}/match-users/")
    assert r.status_code == 200
    assert r.json() == {"matched": 2, "unmatched": ["ghost", "olduser"]}
    by_agent = {m.agent_id: m for m in UserMapping.objects.unscoped().filter(connector=sf)}
    assert by_agent["jnovak"].crm_user_id == jan and by_agent["jnovak"].matched_by == "email"
    assert by_agent["jdoe"].crm_user_id == john  # the override email won
    assert by_agent["manual"].crm_user_id == "005MANUAL"
    assert by_agent["ghost"].crm_user_id == "" and old.crm_user_id == ""


def test_user_mapping_crud(api, tenant, sf):
    url = "/api/v1/user-mappings/"
    body = {
        "connector": sf.pk,
        "agent_id": "jdoe",
        "agent_email": "j.doe@acme.com",
        "agent_phone": "+420111222333",
    }
    r = api.post(url, body, format="json")
    assert r.status_code == 201 and r.json()["matched_by"] == ""
    assert api.post(url, body, format="json").status_code == 400  # same agent twice
    pk = r.json()["id"]
    r = api.patch(f"{url}{pk}/", {"crm_user_id": "005X"}, format="json")
    assert r.json()["matched_by"] == "manual"
    assert api.get(url).json()["count"] == 1


def test_sync_contacts_returns_202_and_the_running_job(
    api, tenant, sf, monkeypatch, django_capture_on_commit_callbacks
):
    rung = []
    monkeypatch.setattr("contacts.tasks.run_contact_sync_task.delay", rung.append)
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(f"/api/v1/connectors/{sf.pk}/sync-contacts/")
        second = api.post(f"/api/v1/connectors/{sf.pk}/sync-contacts/")
    assert first.status_code == 202 == second.status_code
    assert first.json()["job"] == second.json()["job"] and rung == [first.json()["job"]]
    job = api.get(f"/api/v1/jobs/{first.json()['job']}/").json()
    assert job["kind"] == "contact_sync" and job["status"] == "queued"
    assert Job.objects.unscoped().count() == 1


def test_sync_settings_api(api, tenant, sf):
    url = f"/api/v1/connectors/{sf.pk}/contact-sync-settings/"
    assert api.get(url).json()["interval_minutes"] == 60
    r = api.put(url, {"interval_minutes": 15, "enabled": False}, format="json")
    assert r.status_code == 200 and r.json()["interval_minutes"] == 15
    assert api.put(url, {"interval_minutes": 0}, format="json").status_code == 400


def test_contact_center_token_is_write_only(api, tenant, other_api):
    url = "/api/v1/contact-center/"
    assert (
        api.post(url, {"name": "D", "url": "https://x.daktela.com"}, format="json").status_code
        == 400
    )
    r = api.post(
        url, {"name": "D", "url": "https://x.daktela.com", "access_token": "s3cret"}, format="json"
    )
    assert r.status_code == 201 and r.json()["access_token_set"] is True
    assert "s3cret" not in r.content.decode() and "access_token" not in r.json()
    pk = r.json()["id"]
    r = api.patch(f"{url}{pk}/", {"enabled": False}, format="json")
    assert r.status_code == 200 and r.json()["access_token_set"] is True
    assert ContactCenterAccount.objects.unscoped().get(pk=pk).credentials == {
        "access_token": "s3cret"
    }
    assert other_api.get(url).json()["count"] == 0


def test_mapping_lists_never_show_other_tenants(api, other_api, tenant, other_tenant):
    from tests.contacts.helpers import make_cc_account, make_field_mapping, make_user_mapping

    for t in (tenant, other_tenant):
        make_field_mapping(t), make_user_mapping(t), make_cc_account(t)
    for url in ("/api/v1/field-mappings/", "/api/v1/user-mappings/", "/api/v1/contact-center/"):
        mine, theirs = api.get(url).json(), other_api.get(url).json()
        assert mine["count"] == theirs["count"] == 1, url
        assert mine["results"][0]["id"] != theirs["results"][0]["id"]


@pytest.mark.parametrize(
    "params",
    [
        {"email": "a\x00b"},
        {"q": "x\x00y"},
        {"q": "12\x003456789"},
        {"phone": "+420\x00773"},
        {"connector": "99999999999999999999"},
        {"phone": "9" * 500},
    ],
)
def test_bad_query_parameters_never_give_a_5xx(api, tenant, params):
    make_contact(tenant, crm_id="A")
    assert api.get("/api/v1/contacts/", params).status_code in (200, 400)
