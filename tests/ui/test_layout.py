"""Every page of the portal in Chromium at 1280 px and 390 px: no horizontal scrolling of the
page (a wide table scrolls inside its `.table-wrap`, except the ones of tests/ui/fit.py), and axe-core finds no serious or critical
accessibility violation. Screenshots land in test-artifacts/layout-*.png.

The list of pages is checked against the URL conf: a new GET page that is not listed here (or
named as an action/fragment below) fails `test_every_page_is_listed`."""

import os
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from playwright.sync_api import Error as PlaywrightError

from realtime.widget import sign_token
from tests.conftest import login, screenshot
from tests.ui.fit import fit_problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
WIDTHS = (1280, 390)
# while fixing one page: LAYOUT_ONLY=calls:index,connectors:index pytest tests/ui/
ONLY = set(filter(None, os.environ.get("LAYOUT_ONLY", "").split(",")))

# name -> path, with `d` the demo fixture (tests/ui/conftest.py)
ADMIN_PAGES = {
    "tenants:home": lambda d: "/",
    "tenants:settings": lambda d: "/settings/",
    "tenants:api_keys": lambda d: "/api-keys/",
    "tenants:api_key_revoke": lambda d: f"/api-keys/{d.key.pk}/revoke/",
    "connectors:index": lambda d: "/integrations/",
    "connectors:audit_all": lambda d: "/integrations/audit/",
    "connectors:add": lambda d: "/integrations/add/dynamics365/",
    "connectors:configure": lambda d: f"/integrations/{d.sf.pk}/configure/",
    "connectors:delete": lambda d: f"/integrations/{d.sf.pk}/delete/",
    "connectors:audit": lambda d: f"/integrations/{d.sf.pk}/audit/",
    "connectors:oauth_callback": lambda d: "/integrations/oauth/callback/?error=access_denied",
    "contacts:index": lambda d: "/contacts/",
    "contacts:detail": lambda d: f"/contacts/{d.contact.pk}/",
    "contacts:sync": lambda d: "/contacts/sync/",
    "contacts:field_mappings": lambda d: "/contacts/field-mappings/",
    "contacts:user_mappings": lambda d: f"/contacts/user-mappings/?connector={d.sf.pk}",
    "contacts:matching": lambda d: f"/contacts/matching/{d.sf.pk}/",
    "contacts:cc_index": lambda d: "/contacts/contact-center/",
    "contacts:cc_edit": lambda d: f"/contacts/contact-center/{d.cc.pk}/",
    "calls:index": lambda d: "/calls/",
    "calls:dashboard": lambda d: "/calls/dashboard/",
    "calls:detail": lambda d: f"/calls/{d.call.pk}/",
    "calls:interactions": lambda d: "/calls/interactions/",
    "calls:interaction_detail": lambda d: f"/calls/interactions/{d.interaction.pk}/",
    "calls:retry_job": lambda d: f"/calls/retry-jobs/{d.job.pk}/",
    "tenants:members": lambda d: "/members/",
    "calls:settings": lambda d: "/calls/settings/",
    "calls:connector_settings": lambda d: f"/calls/settings/{d.sf.pk}/",
    "automations:index": lambda d: "/automations/",
    "automations:trigger_new": lambda d: "/automations/triggers/new/",
    "automations:trigger_edit": lambda d: f"/automations/triggers/{d.trigger.pk}/",
    "automations:profile_new": lambda d: "/automations/callback-profiles/new/",
    "automations:profile_edit": lambda d: f"/automations/callback-profiles/{d.profile.pk}/",
    "automations:dry_run": lambda d: "/automations/dry-run/",
    "realtime:index": lambda d: "/realtime/",
    "realtime:routing_rule_edit": lambda d: f"/realtime/routing/{d.rule.pk}/",
    "realtime:screen_pop": lambda d: "/realtime/screen-pop/",
    "realtime:screen_pop_rule_edit": lambda d: f"/realtime/screen-pop/{d.pop.pk}/",
    "realtime:widget": lambda d: "/realtime/widget/",
    "operations:notifications": lambda d: "/operations/notifications/",
    "operations:retention": lambda d: "/operations/retention/",
    "operations:erase": lambda d: "/operations/erasure/",
    "operations:erase_call": lambda d: f"/operations/erasure/call/{d.call.pk}/",
    "operations:erase_contact": lambda d: f"/operations/erasure/contact/{d.contact.pk}/",
    "password_change": lambda d: "/accounts/password_change/",
    "password_change_done": lambda d: "/accounts/password_change/done/",
    "api-docs": lambda d: "/api/docs/",
}
PUBLIC_PAGES = {  # logged out
    "login": lambda d: "/accounts/login/",
    "password_reset": lambda d: "/accounts/password_reset/",
    "password_reset_done": lambda d: "/accounts/password_reset/done/",
    "password_reset_confirm": lambda d: "/accounts/reset/MQ/bad-token/",
    "password_reset_complete": lambda d: "/accounts/reset/done/",
    "not-found": lambda d: "/no-such-page/",  # templates/404.html
}
WIDGET_PAGE = "activity-widget"
VIEWER_PAGES = [
    "tenants:home",
    "connectors:index",
    "contacts:index",
    "contacts:user_mappings",
    "calls:index",
    "calls:detail",
    "realtime:index",
]
# POST-only actions, htmx fragments and machine endpoints: not pages
NOT_PAGES = {
    "healthz",
    "logout",  # POST (the Log out button)
    "metrics",
    "api-schema",
    "admin",
    "tenants:switch",
    "connectors:authorize",
    "connectors:test",
    "connectors:disconnect",
    "connectors:enable",
    "connectors:disable",
    "connectors:oauth_start",
    "contacts:sync_now",
    "contacts:sync_settings",
    "contacts:job_progress",
    "contacts:crm_field_options",
    "contacts:field_mapping_delete",
    "contacts:user_mapping_update",
    "contacts:user_mapping_delete",
    "contacts:match_users",
    "contacts:import_agents",
    "contacts:cc_push",
    "contacts:cc_delete",
    "contacts:cc_test",
    "contacts:cc_toggle",
    "calls:retry",
    "calls:retry_all",
    "calls:interactions_retry",
    "calls:interaction_retry",
    "calls:retry_job_progress",
    "calls:interaction_retry_job",  # the same job page as calls:retry_job (walked)
    "calls:interaction_retry_job_progress",
    "tenants:member_invite",  # POST actions of the members page
    "tenants:member_remove",
    "tenants:member_role",
    "tenants:invitation_revoke",
    "invitation_accept",  # needs an invitation token (tests/tenants/test_members.py)
    "calls:secret_generate",
    "calls:secret_retire",
    "automations:delete",
    "automations:close_request",
    "realtime:routing_test",
    "realtime:routing_rule_delete",
    "realtime:routing_rule_move",
    "realtime:screen_pop_rule_delete",
    "realtime:widget_token_revoke",
    "operations:notifications_test",
    "realtime:widget_token_add",
    "realtime:screen_pop_rule_add",
    "realtime:routing_rule_add",
    "activity-widget-create",
    "activity-widget-call",
}

MEASURE = """() => {
  const width = window.innerWidth;
  const clipped = (el) => {  // inside a box that scrolls or clips: that box is what counts
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement)
      if (getComputedStyle(p).overflowX !== 'visible' &&
          p.getBoundingClientRect().right <= width + 1) return true;
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1 && !clipped(el) && !el.closest('.swagger-ui'))
      out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
               (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ').join('.') : '') +
               ' right=' + Math.round(box.right));
  }
  return {scroll: document.documentElement.scrollWidth, width, offenders: out.slice(0, 6)};
}"""


def url_names():
    """Every named route outside /api/v1/ and /admin/, as `ns:name` (or `name`)."""
    names = set()

    def walk(patterns, ns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if route.startswith(("api/v1/", "admin/")):
                    names.add("admin") if route.startswith("admin/") else None
                    continue
                walk(p.url_patterns, p.namespace or ns, route)
            elif isinstance(p, URLPattern) and p.name:
                names.add(f"{ns}:{p.name}" if ns else p.name)

    walk(get_resolver().url_patterns, None, "")
    return names


def test_every_page_is_listed():
    listed = set(ADMIN_PAGES) | set(PUBLIC_PAGES) | NOT_PAGES | {WIDGET_PAGE}
    missing = url_names() - listed
    assert not missing, f"pages not walked by tests/ui/test_layout.py: {sorted(missing)}"


def check(page, name, path, problems, prefix="layout", widths=WIDTHS):
    if ONLY and name not in ONLY:
        return
    for width in widths:
        page.set_viewport_size({"width": width, "height": 860})
        try:
            response = page.goto(path)
        except PlaywrightError as exc:  # an empty 405/500 body
            problems.append(f"{name} {path}: {str(exc).splitlines()[0]}")
            page.goto("about:blank")
            break
        page.wait_for_load_state("networkidle")
        status = response.status if response else 0
        expected = {"not-found": 404, "connectors:oauth_callback": 403}.get(name, 200)
        if status != expected:
            problems.append(f"{name} {path}: HTTP {status}")
            break
        slug = name.replace(":", "-")
        screenshot(page, f"{prefix}-{slug}-{width}")
        m = page.evaluate(MEASURE)
        if m["scroll"] > m["width"]:
            problems.append(f"{name} @{width}: page {m['scroll']} px wide; {m['offenders']}")
        problems.extend(fit_problems(page, name, width))  # tests/ui/fit.py
        if width == widths[0] and "---------" in page.inner_text("body"):  # Django's empty choice
            problems.append(f"{name}: a select offers Django's '---------'")
        if name != "api-docs":  # Swagger UI is not ours; every width (stacked tables at 390)
            for v in axe(page):
                problems.append(f"{name}: axe {v}")


def axe(page):
    page.add_script_tag(content=AXE)
    result = page.evaluate(
        """async () => {
      const r = await axe.run(document, {resultTypes: ['violations']});
      return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
        .map(v => v.id + ' (' + v.impact + '): ' +
             v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }"""
    )
    return result


def test_every_page_fits_and_passes_axe(page, live_server, demo, admin_user, tenant):
    problems = []
    for name, path in PUBLIC_PAGES.items():
        check(page, name, path(demo), problems)
    login(page, admin_user.email)
    for name, path in ADMIN_PAGES.items():
        check(page, name, path(demo), problems)
    page.context.clear_cookies()
    token = sign_token(demo.token)
    widget = f"/widget/activity/?clid=%2B420773794804&direction=in&callid=1WS.1&token={token}"
    check(page, WIDGET_PAGE, widget, problems, widths=(420, *WIDTHS))  # 420: inside Daktela
    login(page, demo.viewer.email)
    for name in VIEWER_PAGES:
        check(page, name, ADMIN_PAGES[name](demo), problems, prefix="layout-viewer")
    assert not problems, "\n".join(problems)
