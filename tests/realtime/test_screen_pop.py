"""Screen-pop rules (seed 002): parsing and its errors, text order of keys, placeholders, DNIS."""

import pytest
from django.utils import timezone

from contacts.models import MatchingPolicy, MultipleMatches
from realtime import screenpop
from realtime.services import extract_dnis
from tests.realtime.helpers import make_contact, make_pop_rule

RULES = "/api/v1/screen-pop-rules/"
POP = "/api/v1/screen-pop/"
CALLER = "+420602123456"


# --- parser ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, conditions, url",
    [
        (
            "direction=inbound&&fromParty.Key=contact&&lookupCount=1=>https://crm.example.com//WebResources/CP.html",
            (("direction", "inbound"), ("fromParty.Key", "contact"), ("lookupCount", "1")),
            "https://crm.example.com//WebResources/CP.html",
        ),
        (
            "direction=inbound&&dnis=1234=>default",
            (("direction", "inbound"), ("dnis", "1234")),
            "default",
        ),
        ("direction=in=>DEFAULT", (("direction", "inbound"),), "default"),
        (
            "lookupcount=01 && FROMPARTY.KEY=Lead => https://x.example/?p={phone}",
            (("lookupCount", "1"), ("fromParty.Key", "lead")),
            "https://x.example/?p={phone}",
        ),
        ("=>https://always.example.com/", (), "https://always.example.com/"),
    ],
)
def test_parse_valid(text, conditions, url):
    parsed = screenpop.parse(text)
    assert parsed.conditions == conditions
    assert parsed.url == url


@pytest.mark.parametrize(
    "text, words",
    [
        ("direction=inbound", "Missing '=>'"),
        ("direction=inbound=>", "Missing the URL"),
        ("colour=blue=>default", "Unknown condition 'colour'"),
        ("direction=sideways=>default", "Bad direction"),
        ("fromParty.Key=opportunity=>default", "Bad fromParty.Key"),
        ("lookupCount=one=>default", "Bad lookupCount"),
        ("lookupCount=-1=>default", "Bad lookupCount"),
        ("direction=inbound&&=>default", "Empty condition"),
        ("direction=>default", "has no '='"),
        ("direction= =>default", "has no value"),
        ("direction=inbound=>file:///C:/_cts/page.html", "Bad URL"),
        ("direction=inbound=>not a url", "Bad URL"),
        ("direction=inbound=>https://x.example/?a={agent}", "Unknown placeholder {agent}"),
        ("direction=inbound=>https://x.example/?a={phone", "unbalanced braces"),
        ("direction=inbound=>https://x.example/?a={phone!r}", "placeholders plainly"),
        ("direction=inbound=>https://x.example/?a={phone:>30}", "placeholders plainly"),
        ("direction=inbound=>https://x.example/?a={phone.real}", "Unknown placeholder"),
        ("dnis= &&direction=inbound=>default", "has no value"),
        ("", "empty"),
    ],
)
def test_parse_errors_name_the_problem(text, words):
    with pytest.raises(screenpop.RuleError) as info:
        screenpop.parse(text)
    assert words in str(info.value)


def test_render_url_encodes_parameters():
    url = screenpop.render_url(
        "https://x.example/pop?n={phone}&q={dnis}&id={crm_id}&d={direction}",
        {"phone": "+420 602", "dnis": "Sales & Support", "crm_id": "003/1", "direction": "inbound"},
    )
    assert (
        url == "https://x.example/pop?n=%2B420%20602&q=Sales%20%26%20Support&id=003%2F1&d=inbound"
    )


# --- DNIS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "regex, caller_name, dnis",
    [
        ("D:(.+?):", "D:Support:070989887889", "Support"),
        ("D:(.+?):", "D:My Test Queue:070989887889", "My Test Queue"),
        ("D:(.+?):", "John Smith", ""),
        ("Q=(\\d+)", "Q=1234 caller", "1234"),
        ("VIP", "VIP caller", "VIP"),  # no group: the whole match
        ("", "D:Support:1", ""),
    ],
)
def test_dnis_from_caller_name(tenant, regex, caller_name, dnis):
    tenant.dnis_regex = regex
    assert extract_dnis(tenant, caller_name) == dnis


# --- rules API ---------------------------------------------------------------------------------


def test_rules_crud_and_400_naming_the_problem(api):
    created = api.post(RULES, {"key": "01", "rule": "direction=inbound=>default"}, format="json")
    assert created.status_code == 201
    assert set(created.json()) == {"id", "key", "rule"}
    bad = api.post(RULES, {"key": "02", "rule": "colour=blue=>default"}, format="json")
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert "Unknown condition 'colour'" in error["message"]
    assert "rule" in error["fields"]
    dup = api.post(RULES, {"key": "01", "rule": "direction=queue=>default"}, format="json")
    assert dup.status_code == 400 and "key" in dup.json()["error"]["fields"]
    bad_key = api.post(RULES, {"key": "a b", "rule": "direction=queue=>default"}, format="json")
    assert bad_key.status_code == 400
    rid = created.json()["id"]
    patched = api.patch(f"{RULES}{rid}/", {"rule": "direction=inbound"}, format="json")
    assert patched.status_code == 400 and "Missing '=>'" in patched.json()["error"]["message"]
    assert api.patch(f"{RULES}{rid}/", {"key": "01"}, format="json").status_code == 200
    assert api.delete(f"{RULES}{rid}/").status_code == 204


def test_rules_list_is_tenant_scoped(api, tenant, other_tenant):
    make_pop_rule(other_tenant, "01", "direction=queue=>default")
    make_pop_rule(tenant, "05", "direction=inbound=>default")
    assert [r["key"] for r in api.get(RULES).json()["results"]] == ["05"]


# --- evaluation --------------------------------------------------------------------------------


def test_keys_are_tried_in_text_order(api, tenant):
    make_contact(tenant, CALLER, crm_id="003A")
    make_pop_rule(tenant, "10", "direction=inbound=>https://ten.example/")
    make_pop_rule(tenant, "02", "direction=inbound=>https://two.example/")
    make_pop_rule(tenant, "1", "direction=outbound=>https://one.example/")
    body = api.get(POP, {"direction": "inbound", "phone": CALLER}).json()
    assert body["rule"] == "02"  # "02" < "1" < "10" in text order, "1" is for outbound
    assert body["url"] == "https://two.example/"
    out = api.get(POP, {"direction": "out", "phone": CALLER}).json()
    assert out["rule"] == "1"


def test_conditions_lookup_count_party_and_dnis(api, tenant):
    contact = make_contact(tenant, CALLER, crm_id="003A", first_name="Jiri", last_name="H")
    make_pop_rule(
        tenant,
        "01",
        "direction=inbound&&dnis=Support=>https://support.example/?id={crm_id}&d={dnis}",
    )
    make_pop_rule(
        tenant, "02", "direction=inbound&&lookupCount=0=>https://new.example/?phone={phone}"
    )
    make_pop_rule(tenant, "03", "direction=inbound&&fromParty.Key=contact&&lookupCount=1=>default")

    support = api.get(
        POP, {"direction": "inbound", "phone": CALLER, "caller_name": "D:Support:0602"}
    ).json()
    assert support == {
        "url": "https://support.example/?id=003A&d=Support",
        "rule": "01",
        "dnis": "Support",
        "matches": [
            {
                "crm_id": "003A",
                "type": "contact",
                "name": "Jiri H",
                "id": contact.pk,
                "crm_url": contact.crm_url,
                "connector": contact.connector_id,
                "connector_name": contact.connector.name,
                "crm_label": "Salesforce",
            }
        ],
    }
    unknown = api.get(POP, {"direction": "inbound", "phone": "+420 603 000 111"}).json()
    assert unknown["rule"] == "02"
    assert unknown["url"] == "https://new.example/?phone=%2B420%20603%20000%20111"
    assert unknown["matches"] == []
    known = api.get(POP, {"direction": "inbound", "phone": "602 123 456"}).json()
    assert known["rule"] == "03" and known["url"] == contact.crm_url


def test_explicit_dnis_wins_over_caller_name(api, tenant):
    body = api.get(POP, {"phone": CALLER, "dnis": "Sales", "caller_name": "D:Support:1"}).json()
    assert body["dnis"] == "Sales"


def test_no_rule_true_pops_default_form_or_null(api, tenant):
    make_pop_rule(tenant, "01", "direction=queue=>https://queue.example/")
    contact = make_contact(tenant, CALLER)
    one = api.get(POP, {"direction": "inbound", "phone": CALLER}).json()
    assert one["rule"] is None and one["url"] == contact.crm_url
    none = api.get(POP, {"direction": "inbound", "phone": "+420603000111"}).json()
    assert none["rule"] is None and none["url"] is None
    newer = make_contact(tenant, "602123456", crm_modified_at=timezone.now())
    # two matches: the connector's policy picks (default: the most recently modified)
    two = api.get(POP, {"direction": "inbound", "phone": CALLER}).json()
    assert two["url"] == newer.crm_url and len(two["matches"]) == 2
    MatchingPolicy.objects.create(
        tenant=tenant, connector=contact.connector, multiple_matches=MultipleMatches.NONE
    )
    assert api.get(POP, {"direction": "inbound", "phone": CALLER}).json()["url"] is None


def test_screen_pop_bad_direction_is_400(api):
    response = api.get(POP, {"direction": "sideways"})
    assert response.status_code == 400
    assert "direction" in response.json()["error"]["fields"]


def test_screen_pop_ignores_other_tenants(api, tenant, other_tenant):
    make_contact(other_tenant, CALLER)
    make_pop_rule(other_tenant, "01", "direction=inbound=>https://theirs.example/")
    body = api.get(POP, {"direction": "inbound", "phone": CALLER}).json()
    assert body == {"url": None, "rule": None, "dnis": "", "matches": []}
