"""/api/v1/routing-rules/: CRUD, per-kind validation, numbers stored in E.164, tenant scoping."""

import pytest

from realtime.models import RoutingRule
from tests.realtime.helpers import make_rule

URL = "/api/v1/routing-rules/"
FIELDS = {"id", "position", "name", "kind", "field", "value", "bnum", "target"}


def test_create_list_update_delete(api, tenant):
    response = api.post(
        URL,
        {
            "name": "VIP",
            "kind": "field_value",
            "field": "segment",
            "value": "VIP",
            "target": "00420 800 100 100",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == FIELDS
    assert body["target"] == "+420800100100"
    assert body["position"] == 1
    second = api.post(URL, {"name": "Owner", "kind": "owner"}, format="json").json()
    assert second["position"] == 2  # appended after the last rule
    listing = api.get(URL).json()
    assert [r["name"] for r in listing["results"]] == ["VIP", "Owner"]
    patched = api.patch(f"{URL}{second['id']}/", {"position": 0}, format="json")
    assert patched.status_code == 400  # positions start at 1
    patched = api.patch(f"{URL}{body['id']}/", {"position": 9}, format="json")
    assert patched.status_code == 200
    assert [r["name"] for r in api.get(URL).json()["results"]] == ["Owner", "VIP"]
    assert api.delete(f"{URL}{body['id']}/").status_code == 204
    assert RoutingRule.objects.filter(tenant=tenant).count() == 1


@pytest.mark.parametrize(
    "body, bad",
    [
        ({"name": "x", "kind": "field_value", "value": "VIP", "target": "+420800100100"}, "field"),
        (
            {"name": "x", "kind": "field_value", "field": "segment", "target": "+420800100100"},
            "value",
        ),
        ({"name": "x", "kind": "field_value", "field": "segment", "value": "VIP"}, "target"),
        ({"name": "x", "kind": "bnum", "target": "+420800100100"}, "bnum"),
        ({"name": "x", "kind": "bnum", "bnum": "+420226211245", "target": "sales team"}, "target"),
        ({"name": "x", "kind": "bnum", "bnum": "queue", "target": "+420800100100"}, "bnum"),
        ({"name": "x", "kind": "teleport"}, "kind"),
        ({"kind": "owner"}, "name"),
    ],
)
def test_validation_per_kind(api, body, bad):
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert bad in response.json()["error"]["fields"]


def test_patch_kind_revalidates_with_stored_values(api, tenant):
    rule = make_rule(tenant, "owner")
    response = api.patch(f"{URL}{rule.pk}/", {"kind": "bnum"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"bnum", "target"}


def test_owner_rule_drops_unused_fields(api):
    body = api.post(
        URL, {"name": "o", "kind": "owner", "field": "x", "target": "+420800100100"}, format="json"
    ).json()
    assert body["field"] == "" and body["target"] == ""


def test_list_never_shows_other_tenants_rules(api, other_api, tenant, other_tenant):
    make_rule(other_tenant, "owner", name="theirs")
    make_rule(tenant, "owner", name="ours")
    assert [r["name"] for r in api.get(URL).json()["results"]] == ["ours"]
    assert [r["name"] for r in other_api.get(URL).json()["results"]] == ["theirs"]


def test_position_above_the_maximum_is_a_400_naming_it(api, tenant):
    """The documented maximum is 100000 (the schema's): never stored, never answered."""
    too_high = api.post(URL, {"name": "x", "kind": "owner", "position": 100001}, format="json")
    assert too_high.status_code == 400 and "position" in too_high.json()["error"]["fields"]
    top = api.post(URL, {"name": "last", "kind": "owner", "position": 100000}, format="json")
    assert top.status_code == 201 and top.json()["position"] == 100000
    appended = api.post(URL, {"name": "after", "kind": "owner"}, format="json")
    assert appended.status_code == 400  # after the last rule would be 100001
    error = appended.json()["error"]
    assert (
        error["code"] == "validation_error" and "highest allowed" in error["fields"]["position"][0]
    )
    placed = api.post(URL, {"name": "placed", "kind": "owner", "position": 100000}, format="json")
    assert placed.status_code == 201  # an explicit position still works
    assert RoutingRule.objects.filter(tenant=tenant, position__gt=100000).count() == 0
