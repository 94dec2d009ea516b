"""POST /api/v1/routing/initial-target/ (seed 001): rules, order, loop guard, formats, bad input."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal import cache as ttl_cache
from realtime import routing
from tests.realtime.helpers import make_contact, make_mapping, make_rule

URL = "/api/v1/routing/initial-target/"
CALLER = "+420602123456"
QUEUE = "+420226211245"


def post(api, body):
    return api.post(URL, body, format="json")


@pytest.fixture(autouse=True)
def _fresh_rule_cache():
    ttl_cache.clear_all()  # the rules' TTL cache (portal.cache)
    yield
    ttl_cache.clear_all()


def test_owner_rule_routes_to_the_owners_agent_phone(api, tenant):
    make_contact(tenant, CALLER, owner="005OWNER")
    make_mapping(tenant, "005OWNER", "+420 777 111 222")
    make_mapping(tenant, "005OTHER", "+420777999999")
    make_rule(tenant, "owner")
    response = post(api, {"anum": CALLER, "bnum": QUEUE})
    assert response.status_code == 200
    assert response.json() == {"InitialTarget": "+420777111222"}


def test_owner_without_mapping_falls_through_to_next_rule(api, tenant):
    make_contact(tenant, CALLER, owner="005NOBODY", fields={"segment": "VIP"})
    make_rule(tenant, "owner")
    make_rule(tenant, "field_value", field="segment", value="VIP", target="+420800100100")
    assert post(api, {"anum": CALLER, "bnum": QUEUE}).json() == {"InitialTarget": "+420800100100"}


def test_field_value_rule_matches_only_equal_value(api, tenant):
    make_contact(tenant, CALLER, fields={"segment": "VIP"})
    make_contact(tenant, "+420602999888", fields={"segment": "standard"})
    make_rule(tenant, "field_value", field="segment", value="VIP", target="+420800100100")
    assert post(api, {"anum": CALLER, "bnum": QUEUE}).json()["InitialTarget"] == "+420800100100"
    response = post(api, {"anum": "+420602999888", "bnum": QUEUE})
    assert response.status_code == 204


def test_bnum_rule_needs_the_queue_number_and_a_known_caller(api, tenant):
    make_contact(tenant, CALLER)
    make_rule(tenant, "bnum", bnum="226 211 245", target="+420800200200")
    assert post(api, {"anum": CALLER, "bnum": "+420226211245"}).json() == {
        "InitialTarget": "+420800200200"
    }
    assert post(api, {"anum": CALLER, "bnum": "+420226211999"}).status_code == 204
    assert post(api, {"anum": "+420603000000", "bnum": "+420226211245"}).status_code == 204


def test_position_order_first_match_wins(api, tenant):
    make_contact(tenant, CALLER, owner="005OWNER", fields={"segment": "VIP"})
    make_mapping(tenant, "005OWNER", "+420777111222")
    field = make_rule(
        tenant, "field_value", position=5, field="segment", value="VIP", target="+420800100100"
    )
    owner = make_rule(tenant, "owner", position=10)
    assert post(api, {"anum": CALLER, "bnum": QUEUE}).json()["InitialTarget"] == "+420800100100"
    field.position = 20
    field.save()  # saving drops the cached rules at once
    assert post(api, {"anum": CALLER, "bnum": QUEUE}).json()["InitialTarget"] == "+420777111222"
    owner.delete()
    assert post(api, {"anum": CALLER, "bnum": QUEUE}).json()["InitialTarget"] == "+420800100100"


@pytest.mark.parametrize("bnum", ["+420800100100", "00420800100100", "800 100 100", "800100100"])
def test_loop_guard_target_equal_to_bnum_in_any_format_is_204(api, tenant, bnum):
    make_contact(tenant, CALLER, fields={"segment": "VIP"})
    make_rule(tenant, "field_value", field="segment", value="VIP", target="+420800100100")
    response = post(api, {"anum": CALLER, "bnum": bnum})
    assert response.status_code == 204
    assert response.content == b""


def test_loop_guard_on_owner_phone(api, tenant):
    make_contact(tenant, CALLER, owner="005OWNER")
    make_mapping(tenant, "005OWNER", "777 111 222")
    make_rule(tenant, "owner")
    assert post(api, {"anum": CALLER, "bnum": "+420777111222"}).status_code == 204
    assert post(api, {"anum": CALLER, "bnum": QUEUE}).status_code == 200


@pytest.mark.parametrize(
    "stored, anum",
    [
        ("+420602123456", "+420602123456"),  # E.164 both sides
        ("+420602123456", "00420602123456"),  # 00 prefix
        ("+420602123456", "602123456"),  # national
        ("+420602123456", "+420 602 123 456"),  # spaced
        ("602 123 456", "+420602123456"),  # stored national, spaced
        ("00420602123456", "602-123-456"),
        ("(0)602123456 ext", "+420602123456"),  # unparseable store: trailing digits
    ],
)
def test_caller_found_in_any_format(api, tenant, stored, anum):
    make_contact(tenant, stored, fields={"segment": "VIP"})
    make_rule(tenant, "field_value", field="segment", value="VIP", target="+420800100100")
    response = post(api, {"anum": anum, "bnum": QUEUE})
    assert response.status_code == 200, (stored, anum)


def test_exact_e164_match_beats_trailing_digit_match(api, tenant):
    # Same last 9 digits in another country: only the exact number's contact counts.
    make_contact(tenant, "+421602123456", fields={"segment": "VIP"})
    make_contact(tenant, CALLER, fields={"segment": "standard"})
    make_rule(tenant, "field_value", field="segment", value="VIP", target="+420800100100")
    assert post(api, {"anum": CALLER, "bnum": QUEUE}).status_code == 204


def test_unknown_caller_is_204_with_empty_body(api, tenant):
    make_contact(tenant, CALLER)
    make_rule(tenant, "bnum", bnum=QUEUE, target="+420800200200")
    for anum in ["+420603000111", "", "anonymous", "123"]:
        response = post(api, {"anum": anum, "bnum": QUEUE})
        assert response.status_code == 204, anum
        assert response.content == b""


def test_known_caller_no_rules_is_204(api, tenant):
    make_contact(tenant, CALLER)
    assert post(api, {"anum": CALLER, "bnum": QUEUE}).status_code == 204
    make_rule(tenant, "bnum", bnum="+420226211999", target="+420800200200")
    assert routing.decide(tenant, CALLER, QUEUE).reason == "no_rule"


def test_nul_bytes_are_400_not_500(api, tenant):
    make_rule(tenant, "owner")
    response = post(api, {"anum": "+420\x00602123456", "bnum": QUEUE})
    assert response.status_code == 400


def test_other_tenants_contacts_and_rules_are_invisible(api, tenant, other_tenant):
    make_contact(other_tenant, CALLER, owner="005OWNER", fields={"segment": "VIP"})
    make_mapping(other_tenant, "005OWNER", "+420777111222")
    make_rule(other_tenant, "owner")
    make_rule(tenant, "field_value", field="segment", value="VIP", target="+420800100100")
    assert post(api, {"anum": CALLER, "bnum": QUEUE}).status_code == 204


@pytest.mark.parametrize(
    "body, field",
    [
        ({"bnum": QUEUE}, "anum"),
        ({"anum": 420602123456, "bnum": QUEUE}, "anum"),
        ({"anum": CALLER, "bnum": ["x"]}, "bnum"),
        ({"anum": None}, "anum"),
        ({"anum": "9" * 100}, "anum"),
    ],
)
def test_bad_body_is_400_in_error_format(api, tenant, body, field):
    response = post(api, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]


def test_non_object_body_is_400(api):
    for body in ([1, 2], "text", None):
        response = api.post(URL, body, format="json")
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "validation_error"


def test_needs_an_api_key(client):
    assert client.post(URL, {"anum": CALLER}, content_type="application/json").status_code == 401


def test_hot_path_query_count(api, tenant):
    """Key lookup + one caller query (rules are cached): no N+1 over contacts or rules."""
    for i in range(5):
        make_contact(tenant, CALLER, owner="005OWNER", fields={"segment": "x"})
    make_mapping(tenant, "005OWNER", "+420777111222")
    make_rule(tenant, "field_value", field="segment", value="VIP", target="+420800100100")
    make_rule(tenant, "bnum", bnum="+420226211999", target="+420800100100")
    make_rule(tenant, "owner")
    post(api, {"anum": CALLER, "bnum": QUEUE})  # warms the rule cache
    with CaptureQueriesContext(connection) as queries:
        assert post(api, {"anum": CALLER, "bnum": QUEUE}).status_code == 200
    assert len(queries) <= 2, [q["sql"] for q in queries]
