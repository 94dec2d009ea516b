"""The routing tester says why each rule before the outcome was skipped (issue 17, item 10)."""

import re

import pytest
from django.urls import reverse

from realtime import routing
from tests.realtime.helpers import make_contact, make_rule


@pytest.fixture
def viewer_client(client, viewer_user):
    client.force_login(viewer_user)
    return client


def skipped(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", li) for li in re.findall(r'<li data-rule="\d+">(.*?)</li>', html)]


def test_tester_lists_each_skipped_rule_with_its_reason(viewer_client, tenant):
    make_contact(tenant, "+420602123456", fields={"segment": "standard"})
    make_rule(tenant, "owner", name="Owners first")
    make_rule(tenant, "bnum", name="Hotline", bnum="+420800111222", target="+420800999999")
    make_rule(
        tenant, "field_value", name="VIP desk", field="segment", value="VIP", target="+4208001"
    )
    make_rule(
        tenant, "field_value", name="Standard", field="segment", value="standard", target="+4208002"
    )
    url = reverse("realtime:routing_test")
    for extra in ({}, {"HTTP_HX_REQUEST": "true"}):
        html = viewer_client.post(
            url, {"anum": "+420602123456", "bnum": "+420226211245"}, **extra
        ).content.decode()
        assert "This caller would go to +4208002 (rule 4" in html
        reasons = skipped(html)
        assert len(reasons) == 3, reasons
        assert reasons[0].startswith("Rule 1 “Owners first”: no record of this caller has an owner")
        assert reasons[1] == "Rule 2 “Hotline”: the call is on +420226211245, not +420800111222."
        assert (
            reasons[2] == "Rule 3 “VIP desk”: the caller&#x27;s segment is “standard”, not “VIP”."
        )


def test_no_rule_matched_explains_every_rule(viewer_client, tenant):
    make_contact(tenant, "+420602123456", fields={})
    make_rule(tenant, "field_value", name="VIP", field="segment", value="VIP", target="+4208001")
    html = viewer_client.post(
        reverse("realtime:routing_test"), {"anum": "+420602123456", "bnum": ""}
    ).content.decode()
    assert "no rule matched" in html
    assert skipped(html) == ["Rule 1 “VIP”: the caller&#x27;s segment is empty, not “VIP”."]


def test_the_api_path_computes_no_reasons(tenant):
    make_contact(tenant, "+420602123456", fields={})
    make_rule(tenant, "field_value", name="VIP", field="segment", value="VIP", target="+4208001")
    routing.invalidate(tenant.pk)
    assert routing.decide(tenant, "+420602123456").skipped == []
    assert len(routing.decide(tenant, "+420602123456", explain=True).skipped) == 1
