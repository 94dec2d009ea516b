"""The platform registry, the contact-center API's settings / test / audit, and the pages."""

import pytest
from django.urls import reverse

from platforms import base
from platforms.models import ContactCenterAccount, PlatformAuditEntry
from platforms.registry import PLATFORMS, kinds_with, platform_class
from simulators.uis import DEMO_CALL_KEY, DEMO_TOKEN
from tests.platforms.helpers import make_uis_account

pytestmark = pytest.mark.django_db
URL = "/api/v1/contact-center/"


def test_every_kind_has_the_same_file_set_and_declares_capabilities():
    from importlib import import_module

    for kind in PLATFORMS:
        for module in ("client", "platform", "adapter", "forms"):
            import_module(f"platforms.{kind}.{module}")
        assert platform_class(kind).kind == kind
        assert platform_class(kind).capabilities <= set(base.CAPABILITY_LABELS)
    assert "uis" in kinds_with(base.CLICK_TO_CALL) and "uis" not in kinds_with(base.PUSH_CONTACTS)


def _create(api, uis_sim, **extra):
    body = {
        "kind": "uis",
        "name": "UIS",
        "access_token": DEMO_TOKEN,
        "call_api_key": DEMO_CALL_KEY,
        "settings": {
            "data_api_url": f"{uis_sim.url}/v2.0",
            "call_api_url": f"{uis_sim.url}/v4.0",
            "virtual_phone_number": "7 (495) 123-45-67",
        },
        **extra,
    }
    return api.post(URL, body, format="json")


def test_create_uis_with_settings_secrets_write_only(api, uis_sim):
    response = _create(api, uis_sim)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["settings"]["virtual_phone_number"] == "74951234567"
    assert data["url"] == f"{uis_sim.url}/v2.0"
    assert data["access_token_set"] is True
    assert DEMO_TOKEN not in response.content.decode()
    assert DEMO_CALL_KEY not in response.content.decode()
    assert "click_to_call" in data["capabilities"]
    account = ContactCenterAccount.objects.unscoped().get(pk=data["id"])
    assert account.credentials == {"access_token": DEMO_TOKEN, "call_api_key": DEMO_CALL_KEY}
    entry = PlatformAuditEntry.objects.for_tenant(account.tenant).get(account=account)
    assert entry.action == "created" and "call_api_key" in entry.changes["fields"]
    assert DEMO_TOKEN not in str(entry.changes)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"data_api_url": "not a url"}, "data_api_url"),
        ({"virtual_phone_number": "12"}, "virtual_phone_number"),
        ({"bogus": 1}, "settings"),
    ],
)
def test_bad_settings_are_400_naming_the_field(api, uis_sim, bad, field):
    response = _create(api, uis_sim, settings=bad)
    assert response.status_code == 400
    assert field in str(response.json()["error"]["fields"])


def test_internal_settings_url_is_refused_by_the_outbound_policy(api, uis_sim, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    response = _create(api, uis_sim)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "address_not_allowed"
    assert "data_api_url" in response.json()["error"]["message"]


def test_test_endpoint_makes_a_real_call(api, tenant, uis_sim):
    account = make_uis_account(tenant, uis_sim.url)
    response = api.post(f"{URL}{account.pk}/test/")
    assert response.status_code == 200 and response.json()["user"] == "Acme (UIS simulator)"
    assert ("POST", "/v2.0") in uis_sim.requests
    bad = make_uis_account(tenant, uis_sim.url, token="wrong", name="bad")
    response = api.post(f"{URL}{bad.pk}/test/")
    assert response.status_code == 400
    assert "rejected the access token" in response.json()["error"]["message"]
    actions = set(PlatformAuditEntry.objects.for_tenant(tenant).values_list("action", flat=True))
    assert actions == {"tested", "test_failed"}


def test_test_endpoint_of_a_foreign_account_is_404(api, other_tenant):
    account = make_uis_account(other_tenant)
    assert api.post(f"{URL}{account.pk}/test/").status_code == 404


def test_kind_cannot_change(api, tenant):
    account = make_uis_account(tenant)
    response = api.patch(f"{URL}{account.pk}/", {"kind": "daktela"}, format="json")
    assert response.status_code == 400


def test_daktela_keeps_no_settings(api):
    response = api.post(
        URL,
        {
            "kind": "daktela",
            "name": "D",
            "url": "https://x.daktela.com",
            "access_token": "t",
            "settings": {"x": 1},
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["settings"] == {}


# --- pages ----------------------------------------------------------------------------------


def test_page_adds_a_uis_account_and_shows_capabilities(member_client, tenant, uis_sim):
    page = reverse("contacts:cc_index")
    response = member_client.post(
        f"{page}?kind=uis",
        {
            "name": "UIS page",
            "enabled": "on",
            "access_token": DEMO_TOKEN,
            "data_api_url": f"{uis_sim.url}/v2.0",
            "call_api_url": f"{uis_sim.url}/v4.0",
            "virtual_phone_number": "74951234567",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    account = ContactCenterAccount.objects.unscoped().get(name="UIS page")
    assert account.kind == "uis" and account.settings["call_api_url"] == f"{uis_sim.url}/v4.0"
    body = member_client.get(page).content.decode()
    assert "click-to-call" in body and "Configure" in body and "Disable" in body
    assert DEMO_TOKEN not in body


def test_page_test_and_disable(member_client, tenant, uis_sim):
    account = make_uis_account(tenant, uis_sim.url)
    response = member_client.post(reverse("contacts:cc_test", args=[account.pk]), follow=True)
    assert "logged in as Acme (UIS simulator)" in response.content.decode()
    url = reverse("contacts:cc_toggle", args=[account.pk])
    asked = member_client.post(url)  # a plain POST (no JavaScript): the confirm page first
    assert asked.status_code == 200 and f"Disable {account.name}?" in asked.content.decode()
    account.refresh_from_db()
    assert account.enabled is True
    member_client.post(url, {"confirmed": "yes"})
    account.refresh_from_db()
    assert account.enabled is False
    assert (
        PlatformAuditEntry.objects.for_tenant(tenant)
        .filter(account=account, action="disabled")
        .exists()
    )


def test_edit_page_keeps_the_token_when_left_empty(member_client, tenant, uis_sim):
    account = make_uis_account(tenant, uis_sim.url)
    response = member_client.post(
        reverse("contacts:cc_edit", args=[account.pk]),
        {
            "name": "Renamed",
            "enabled": "on",
            "data_api_url": f"{uis_sim.url}/v2.0",
            "call_api_url": f"{uis_sim.url}/v4.0",
            "virtual_phone_number": "74950000000",
        },
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.name == "Renamed" and account.credentials["access_token"] == DEMO_TOKEN
    assert account.settings["virtual_phone_number"] == "74950000000"


def test_patch_settings_merges_into_the_stored_ones(api, tenant, uis_sim):
    account = make_uis_account(tenant, uis_sim.url)
    response = api.patch(
        f"{URL}{account.pk}/", {"settings": {"virtual_phone_number": "74950000000"}}, format="json"
    )
    assert response.status_code == 200, response.content
    account.refresh_from_db()
    assert account.settings == {
        "data_api_url": f"{uis_sim.url}/v2.0",
        "call_api_url": f"{uis_sim.url}/v4.0",
        "virtual_phone_number": "74950000000",
    }
