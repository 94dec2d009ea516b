"""A unique name taken between the friendly pre-check and the write (the race the pre-check
cannot close): a 400 / form error naming the field, never an IntegrityError 500. The pre-checks
are switched off here so every request reaches the database constraint."""

import pytest

from automations.api import CallbackProfileSerializer
from automations.models import CallbackProfile
from connectors.api import ConnectorSerializer
from connectors.models import ConnectorAccount
from connectors.ui import AccountNameForm
from contacts.api_mappings import UserMappingSerializer
from contacts.forms import UserMappingForm
from contacts.models import UserMapping
from platforms.api import ContactCenterAccountSerializer
from platforms.daktela.forms import ContactCenterForm
from platforms.models import ContactCenterAccount
from realtime.api import ScreenPopRuleSerializer
from realtime.forms import ScreenPopRuleForm
from realtime.models import ScreenPopRule
from tests.factories import SF_CREDENTIALS, SF_SETTINGS, make_connector


@pytest.fixture
def no_prechecks(monkeypatch):
    for cls, name in [
        (ConnectorSerializer, "validate_name"),
        (ContactCenterAccountSerializer, "validate_name"),
        (ScreenPopRuleSerializer, "validate_key"),
        (CallbackProfileSerializer, "validate_callback_list"),
    ]:
        monkeypatch.setattr(cls, name, lambda self, value: value)
    monkeypatch.setattr(UserMappingSerializer, "validate", lambda self, attrs: attrs)
    for form, field in [
        (AccountNameForm, "name"),
        (ContactCenterForm, "name"),
        (UserMappingForm, "agent_id"),
        (ScreenPopRuleForm, "key"),
    ]:
        monkeypatch.setattr(
            form, f"clean_{field}", lambda self, f=field: self.cleaned_data[f], raising=False
        )


def _assert_names(response, field: str):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == [field]
    assert "already exists" in error["fields"][field][0]


def test_connector_create_and_rename(api, tenant, no_prechecks):
    make_connector(tenant, name="Taken")
    body = {
        "kind": "salesforce",
        "name": "Taken",
        "settings": SF_SETTINGS,
        "credentials": SF_CREDENTIALS,
    }
    _assert_names(api.post("/api/v1/connectors/", body, format="json"), "name")
    other = make_connector(tenant, name="Other")
    _assert_names(
        api.patch(f"/api/v1/connectors/{other.pk}/", {"name": "Taken"}, format="json"), "name"
    )
    assert ConnectorAccount.objects.unscoped().get(pk=other.pk).name == "Other"


def test_contact_center_create(api, tenant, no_prechecks):
    ContactCenterAccount.objects.create(tenant=tenant, name="Daktela", url="https://a.daktela.com")
    body = {
        "kind": "daktela",
        "name": "Daktela",
        "url": "https://b.daktela.com",
        "access_token": "t",
    }
    _assert_names(api.post("/api/v1/contact-center/", body, format="json"), "name")


def test_user_mapping_create(api, tenant, no_prechecks):
    connector = make_connector(tenant)
    UserMapping.objects.create(tenant=tenant, connector=connector, agent_id="jdoe")
    body = {"connector": connector.pk, "agent_id": "jdoe"}
    _assert_names(api.post("/api/v1/user-mappings/", body, format="json"), "agent_id")


def test_screen_pop_rule_and_callback_profile(api, tenant, no_prechecks):
    ScreenPopRule.objects.create(tenant=tenant, key="01", rule="direction=inbound=>default")
    body = {"key": "01", "rule": "direction=inbound=>default"}
    _assert_names(api.post("/api/v1/screen-pop-rules/", body, format="json"), "key")
    connector = make_connector(tenant)
    CallbackProfile.objects.create(tenant=tenant, connector=connector, name="A", callback_list="cb")
    body = {"connector": connector.pk, "name": "B", "callback_list": "cb"}
    _assert_names(api.post("/api/v1/callback-profiles/", body, format="json"), "callback_list")


def test_pages_show_the_field_error(member_client, tenant, no_prechecks):
    make_connector(tenant, name="Taken")
    response = member_client.post(
        "/integrations/add/salesforce/",
        {"name": "Taken", **SF_SETTINGS, **SF_CREDENTIALS},
    )
    assert response.status_code == 400
    assert response.context["name_form"].errors["name"] == [
        "A connector with this name already exists."
    ]
    assert ConnectorAccount.objects.filter(tenant=tenant).count() == 1

    ContactCenterAccount.objects.create(tenant=tenant, name="Daktela", url="https://a.daktela.com")
    response = member_client.post(
        "/contacts/contact-center/",
        {"name": "Daktela", "url": "https://b.daktela.com", "enabled": "on", "access_token": "t"},
    )
    assert response.status_code == 400  # an invalid contact-center form answers 400
    assert response.context["form"].errors["name"] == ["An account with this name already exists."]

    connector = ConnectorAccount.objects.unscoped().get(name="Taken")
    UserMapping.objects.create(tenant=tenant, connector=connector, agent_id="jdoe")
    response = member_client.post(
        f"/contacts/user-mappings/?connector={connector.pk}&users=0",
        {"connector": connector.pk, "agent_id": "jdoe"},
    )
    assert "already exists" in response.context["form"].errors["agent_id"][0]
    assert UserMapping.objects.unscoped().filter(connector=connector).count() == 1

    ScreenPopRule.objects.create(tenant=tenant, key="01", rule="direction=inbound=>default")
    response = member_client.post(
        "/realtime/screen-pop/add/", {"key": "01", "rule": "direction=inbound=>default"}
    )
    assert response.status_code == 400
    assert "already exists" in response.context["form"].errors["key"][0]
