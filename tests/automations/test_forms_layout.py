"""One form layout (issue 17, item 7): the Automations, Routing and Widget settings forms use
the portal's layout (templates/includes/form_fields.html), the dry-run refuses an empty box,
and times use the one date format with the tenant's zone named."""

import re
from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import timezone

from automations.models import CallbackProfile, Trigger
from realtime.models import RoutingRule
from tests.factories import make_connector


@pytest.fixture
def connector(tenant):
    return make_connector(tenant)


def pages(tenant, connector):
    trigger = Trigger.objects.create(tenant=tenant, connector=connector, name="T")
    profile = CallbackProfile.objects.create(
        tenant=tenant, connector=connector, name="P", callback_list="cb"
    )
    rule = RoutingRule.objects.create(tenant=tenant, name="R", kind="owner", position=1)
    return [
        "/automations/triggers/new/",
        f"/automations/triggers/{trigger.pk}/",
        f"/automations/callback-profiles/{profile.pk}/",
        "/realtime/",
        f"/realtime/routing/{rule.pk}/",
        "/realtime/widget/",
    ]


def test_forms_use_the_portal_layout(member_client, tenant, connector):
    for url in pages(tenant, connector):
        html = member_client.get(url).content.decode()
        assert '<div class="field' in html, url  # form_fields.html, not form.as_div
        assert "---------" not in html, url
        assert 'class="field required' in html, url  # required markers
        assert '<div class="form-actions">' in html, url  # buttons in a row
        assert '<div class="actions"><button' not in html, url
        # help text below its control (as_div puts it between label and control)
        for match in re.finditer(r'<div class="help" id="(id_\w+)_helptext">', html):
            control = html.rfind(f'id="{match.group(1)}"', 0, match.start())
            assert control != -1, (url, match.group(1))


def test_trigger_form_errors_show_in_the_layout(member_client, connector):
    r = member_client.post("/automations/triggers/new/", {"connector": connector.pk})
    html = r.content.decode()
    assert r.status_code == 200
    assert 'class="field has-error required"' in html and "errorlist" in html


def test_dry_run_starts_with_a_real_example(member_client, tenant, connector):
    Trigger.objects.create(tenant=tenant, connector=connector, name="Any")
    html = member_client.get("/automations/dry-run/").content.decode()
    box = re.search(r'<textarea name="payload"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert "&quot;caller&quot;" in box and "placeholder=" not in html
    html = member_client.get("/automations/dry-run/?kind=callback").content.decode()
    assert "&quot;callback_list&quot;" in html


@pytest.mark.parametrize("kind", ["call", "callback"])
def test_dry_run_of_an_empty_box_is_a_form_error(member_client, tenant, connector, kind):
    Trigger.objects.create(tenant=tenant, connector=connector, name="Any")
    r = member_client.post("/automations/dry-run/", {"kind": kind, "payload": "  "})
    html = r.content.decode()
    assert r.status_code == 200
    assert "Nothing to dry-run" in html and 'id="dry-run-error"' in html
    assert 'id="dry-run-result"' not in html  # nothing was evaluated


def test_the_one_date_format_names_the_tenant_zone(tenant):
    moment = datetime(2026, 7, 1, 12, 5, 9, tzinfo=UTC)
    with timezone.override(tenant.zone):  # Acme: Europe/Prague, summer time
        out = Template(
            '{{ t|when }}|{{ t|when:"seconds" }}|{{ t|when:"date" }}|{{ t|when:"time" }}|'
            '{{ none|when|default:"never" }}'
        ).render(Context({"t": moment, "none": None}))
    assert out == "1 Jul 2026, 14:05 CEST|1 Jul 2026, 14:05:09 CEST|1 Jul 2026|14:05:09 CEST|never"


def test_pages_show_times_in_the_one_format(member_client, tenant, connector):
    connector.authorized_at = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    connector.save(update_fields=["authorized_at"])
    html = member_client.get("/integrations/").content.decode()
    assert "5 Jan 2026, 09:00 CET" in html
