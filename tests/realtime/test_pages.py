"""Real-time pages: tabs, admin-only editing, reorder, testers, widget URL builder."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.urls import reverse

from realtime.models import RoutingRule, ScreenPopRule, WidgetToken
from realtime.widget import verify_token
from tests.realtime.helpers import make_contact, make_pop_rule, make_rule, make_widget_token


@pytest.fixture
def viewer_client(client, viewer_user):
    client.force_login(viewer_user)
    return client


def test_tabs_render_for_every_role(viewer_client, tenant):
    make_rule(tenant, "owner", name="Owners first")
    make_pop_rule(tenant, "01", "direction=inbound=>default")
    for name in ("realtime:index", "realtime:screen_pop", "realtime:widget"):
        response = viewer_client.get(reverse(name))
        assert response.status_code == 200, name
        html = response.content.decode()
        assert "Routing" in html and "Screen pop" in html and "Widget" in html
    html = viewer_client.get(reverse("realtime:index")).content.decode()
    assert "Owners first" in html and "Add rule" not in html and "Edit" not in html


CONFIRMED = {"confirmed": "yes"}  # what static/portal.js adds after the confirm dialog


def test_viewer_cannot_change_anything(viewer_client, tenant):
    rule = make_rule(tenant, "owner")
    pop = make_pop_rule(tenant)
    token = make_widget_token(tenant)
    posts = [
        (reverse("realtime:routing_rule_add"), {"name": "x", "kind": "owner"}),
        (reverse("realtime:routing_rule_edit", args=[rule.pk]), {"name": "x", "kind": "owner"}),
        (reverse("realtime:routing_rule_delete", args=[rule.pk]), {}),
        (reverse("realtime:routing_rule_move", args=[rule.pk]), {"direction": "up"}),
        (
            reverse("realtime:screen_pop_rule_add"),
            {"key": "02", "rule": "direction=queue=>default"},
        ),
        (reverse("realtime:screen_pop_rule_delete", args=[pop.pk]), {}),
        (reverse("realtime:widget_token_add"), {"name": "x"}),
        (reverse("realtime:widget_token_revoke", args=[token.pk]), {}),
    ]
    for url, data in posts:
        assert viewer_client.post(url, data).status_code == 403, url
    assert (
        RoutingRule.objects.unscoped().count() == 1
        and ScreenPopRule.objects.unscoped().count() == 1
    )
    assert WidgetToken.objects.unscoped().get().revoked_at is None


def test_admin_adds_edits_reorders_and_deletes_rules(member_client, tenant):
    add = reverse("realtime:routing_rule_add")
    bad = member_client.post(add, {"name": "VIP", "kind": "field_value", "field": "segment"})
    assert bad.status_code == 400
    assert "Required for a field_value rule." in bad.content.decode()
    ok = member_client.post(
        add,
        {
            "name": "VIP",
            "kind": "field_value",
            "field": "segment",
            "value": "VIP",
            "target": "800 100 100",
        },
    )
    assert ok.status_code == 302
    member_client.post(add, {"name": "Owner", "kind": "owner"})
    vip, owner = RoutingRule.objects.unscoped().order_by("position")
    assert (vip.position, owner.position, vip.target) == (1, 2, "+420800100100")
    member_client.post(reverse("realtime:routing_rule_move", args=[owner.pk]), {"direction": "up"})
    assert list(RoutingRule.objects.unscoped().values_list("name", flat=True)) == ["Owner", "VIP"]
    member_client.post(reverse("realtime:routing_rule_move", args=[owner.pk]), {"direction": "up"})
    assert list(RoutingRule.objects.unscoped().values_list("name", flat=True)) == ["Owner", "VIP"]
    edit = reverse("realtime:routing_rule_edit", args=[vip.pk])
    assert member_client.get(edit).status_code == 200
    member_client.post(
        edit,
        {
            "name": "VIP desk",
            "kind": "field_value",
            "field": "segment",
            "value": "Gold",
            "target": "+420800100100",
            "position": 1,
        },
    )
    vip.refresh_from_db()
    assert (vip.name, vip.value) == ("VIP desk", "Gold")
    member_client.post(reverse("realtime:routing_rule_delete", args=[vip.pk]), CONFIRMED)
    assert list(RoutingRule.objects.unscoped().values_list("name", flat=True)) == ["Owner"]


@pytest.mark.parametrize(
    "anum, bnum, words",
    [
        ("602 123 456", "+420226211245", "This caller would go to +420800100100 (rule 1"),
        ("+420603000111", "+420226211245", "Unknown caller"),
        ("+420602999888", "+420226211245", "no rule matched"),
        ("+420602123456", "800100100", "Loop guard"),
    ],
)
def test_routing_tester_explains(viewer_client, tenant, anum, bnum, words):
    make_contact(tenant, "+420602123456", fields={"segment": "VIP"})
    make_contact(tenant, "+420602999888", fields={"segment": "standard"})
    make_rule(
        tenant, "field_value", name="VIP desk", field="segment", value="VIP", target="+420800100100"
    )
    url = reverse("realtime:routing_test")
    full = viewer_client.post(url, {"anum": anum, "bnum": bnum})
    assert words in full.content.decode()
    partial = viewer_client.post(url, {"anum": anum, "bnum": bnum}, HTTP_HX_REQUEST="true")
    assert words in partial.content.decode() and "<html" not in partial.content.decode()


def test_screen_pop_page_validates_and_tests(member_client, tenant):
    add = reverse("realtime:screen_pop_rule_add")
    bad = member_client.post(add, {"key": "01", "rule": "colour=blue=>default"})
    assert bad.status_code == 400 and "Unknown condition" in bad.content.decode()
    assert (
        member_client.post(
            add, {"key": "01", "rule": "direction=inbound=>https://pop.example/?n={phone}"}
        ).status_code
        == 302
    )
    dup = member_client.post(add, {"key": "01", "rule": "direction=queue=>default"})
    assert "already exists" in dup.content.decode()
    html = member_client.get(
        reverse("realtime:screen_pop"),
        {"direction": "inbound", "phone": "+420 602", "caller_name": "D:Sales:1"},
    ).content.decode()
    assert "https://pop.example/?n=%2B420%20602" in html and "Sales" in html
    rule = ScreenPopRule.objects.unscoped().get()
    edit = reverse("realtime:screen_pop_rule_edit", args=[rule.pk])
    assert member_client.post(edit, {"key": "01", "rule": "direction=inbound"}).status_code == 200
    rule.refresh_from_db()
    assert rule.rule.endswith("{phone}")  # invalid edit not saved
    member_client.post(reverse("realtime:screen_pop_rule_delete", args=[rule.pk]), CONFIRMED)
    assert not ScreenPopRule.objects.unscoped().exists()


def test_widget_url_builder(member_client, viewer_user, tenant):
    response = member_client.post(
        reverse("realtime:widget_token_add"), {"name": "Daktela", "expires_in_days": 30}
    )
    assert response.status_code == 302
    html = member_client.get(reverse("realtime:widget")).content.decode()
    assert "{clid}" in html and "active" in html
    start = html.index('value="http') + len('value="')
    url = html[start : html.index('"', start)].replace("&amp;", "&")
    token = parse_qs(urlparse(url).query)["token"][0]
    assert verify_token(token)[0] == tenant
    viewer = Client()
    viewer.force_login(viewer_user)
    assert token[:20] not in viewer.get(reverse("realtime:widget")).content.decode()
    row = WidgetToken.objects.unscoped().get()
    member_client.post(reverse("realtime:widget_token_revoke", args=[row.pk]), CONFIRMED)
    assert "revoked" in member_client.get(reverse("realtime:widget")).content.decode()


def test_position_above_the_maximum_is_a_form_error(member_client, tenant):
    add = reverse("realtime:routing_rule_add")
    too_high = member_client.post(add, {"name": "x", "kind": "owner", "position": 100001})
    assert (
        too_high.status_code == 400 and "less than or equal to 100000" in too_high.content.decode()
    )
    make_rule(tenant, "owner", position=100000, name="last")
    appended = member_client.post(add, {"name": "after", "kind": "owner"})
    assert appended.status_code == 400 and "highest allowed" in appended.content.decode()
    edit = reverse(
        "realtime:routing_rule_edit", args=[RoutingRule.objects.unscoped().get(name="last").pk]
    )
    moved = member_client.post(edit, {"name": "last", "kind": "owner", "position": 100001})
    assert moved.status_code == 200 and "less than or equal to 100000" in moved.content.decode()
    zero = member_client.post(edit, {"name": "last", "kind": "owner", "position": 0})
    assert zero.status_code == 200 and "greater than or equal to 1" in zero.content.decode()
    assert list(RoutingRule.objects.unscoped().values_list("name", "position")) == [
        ("last", 100000)
    ]
