"""REST API of caller matching (../shared/API.md "Caller matching"): the policy per connector,
its validation against what the CRM can do, `/lookup/`, and `type` on the contacts API."""

import pytest

from connectors import registry
from connectors.capabilities import Capability
from connectors.types import CrmContact
from contacts.lookup import store_found
from contacts.models import MatchingPolicy
from tests.contacts.helpers import ALL_OBJECTS, make_contact, patch_provider
from tests.factories import make_connector

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "objects": ["contact"],
    "live_lookup": True,
    "live_lookup_timeout_ms": 1500,
    "multiple_matches": "most_recent",
    "unknown_caller": "log_unmatched",
    "region": "",
    "negative_cache_seconds": 300,
}


@pytest.fixture
def crm(tenant, monkeypatch):
    provider = patch_provider(
        monkeypatch,
        record_objects=ALL_OBJECTS,
        creatable_types=("contact",),
        capabilities=registry.provider("salesforce").capabilities | {Capability.CREATE_RECORDS},
    )
    assert provider.record_types == ("contact", "lead", "account")
    return make_connector(tenant)


def url(account):
    return f"/api/v1/connectors/{account.pk}/matching/"


def test_defaults_until_saved_then_the_saved_policy(api, crm):
    assert api.get(url(crm)).json() == DEFAULTS
    change = {"objects": ["lead", "contact"], "multiple_matches": "agent_owned", "region": "gb"}
    body = api.put(url(crm), change, format="json").json()
    assert body == {**DEFAULTS, **change, "region": "GB"}
    policy = MatchingPolicy.objects.for_tenant(crm.tenant).get(connector=crm)
    assert policy.objects_order == ["lead", "contact"] and policy.region == "GB"
    assert api.get(url(crm)).json()["objects"] == ["lead", "contact"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"objects": []}, "objects"),
        ({"objects": ["contact", "contact"]}, "objects"),
        ({"objects": ["deal"]}, "objects"),
        ({"objects": "contact"}, "objects"),
        ({"unknown_caller": "create_lead"}, "unknown_caller"),  # lead is not creatable here
        ({"unknown_caller": "call_back"}, "unknown_caller"),
        ({"multiple_matches": "oldest"}, "multiple_matches"),
        ({"live_lookup_timeout_ms": 50}, "live_lookup_timeout_ms"),
        ({"negative_cache_seconds": -1}, "negative_cache_seconds"),
        ({"region": "XX"}, "region"),
    ],
)
def test_invalid_policies_are_400_naming_the_field(api, crm, body, field):
    response = api.put(url(crm), body, format="json")
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"]
    assert not MatchingPolicy.objects.for_tenant(crm.tenant).filter(connector=crm).exists()


def test_create_contact_needs_the_capability(api, tenant, monkeypatch):
    without = registry.provider("salesforce").capabilities - {Capability.CREATE_RECORDS}
    patch_provider(monkeypatch, creatable_types=("contact",), capabilities=without)
    account = make_connector(tenant)
    response = api.put(url(account), {"unknown_caller": "create_contact"}, format="json")
    assert response.status_code == 400 and "unknown_caller" in response.json()["error"]["fields"]


def test_create_contact_when_the_crm_can(api, crm):
    response = api.put(url(crm), {"unknown_caller": "create_contact"}, format="json")
    assert response.status_code == 200 and response.json()["unknown_caller"] == "create_contact"


def test_lookup_endpoint(api, tenant, other_tenant):
    ours = make_contact(tenant, crm_id="003OURS", phones=["+420 773 794 804"], last_name="Ours")
    make_contact(other_tenant, crm_id="003THEIRS", phones=["+420 773 794 804"])
    body = api.get("/api/v1/lookup/", {"phone": "773 794 804"}).json()
    assert body == {
        "matches": [
            {
                "connector": ours.connector_id,
                "type": "contact",
                "crm_id": "003OURS",
                "name": "Ours",
                "crm_url": "",
                "source": "local",
            }
        ]
    }
    assert api.get("/api/v1/lookup/", {"phone": "+420 601 000 000"}).json() == {"matches": []}
    for params in ({}, {"phone": ""}, {"phone": "1" * 100}):
        response = api.get("/api/v1/lookup/", params)
        assert response.status_code == 400 and "phone" in response.json()["error"]["fields"]


def test_contacts_api_has_the_type_and_filters_by_it(api, tenant, crm):
    store_found(
        crm,
        [
            CrmContact(crm_id="7", type="contact", phones=["+420 773 794 804"]),
            CrmContact(crm_id="7", type="lead", phones=["+420 773 794 804"]),
        ],
    )
    rows = api.get("/api/v1/contacts/").json()["results"]
    assert sorted((r["type"], r["crm_id"]) for r in rows) == [("contact", "7"), ("lead", "7")]
    rows = api.get("/api/v1/contacts/", {"type": "lead"}).json()["results"]
    assert [(r["type"], r["crm_id"]) for r in rows] == [("lead", "7")]
    response = api.get("/api/v1/contacts/", {"type": "deal"})
    assert response.status_code == 400 and "type" in response.json()["error"]["fields"]
