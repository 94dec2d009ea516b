"""The portal in Chromium with its Content-Security-Policy on: no violation on any main page,
and the scripted parts (htmx, confirm dialogs, auto-submit, copy, Swagger UI) still work."""

import json

import pytest

from calls.models import Call
from realtime.models import RoutingRule
from realtime.widget import sign_token
from tenants.models import Membership, Role
from tests.calls.conftest import call_events
from tests.conftest import login, make_tenant
from tests.realtime.helpers import make_contact, make_rule, make_widget_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script: every violation is reported on the console, where we collect it.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP-VIOLATION " + JSON.stringify({
    directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile,
    line: e.lineNumber, sample: e.sample}));
});
"""


@pytest.fixture
def watched(page):
    """The page, and the CSP problems seen on it (events and Chromium's own console errors)."""
    problems = []

    def on_console(msg):
        text = msg.text
        if "CSP-VIOLATION" in text or "Content Security Policy" in text:
            problems.append(f"{page.url}: {text}")

    page.context.add_init_script(REPORT_VIOLATIONS)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"{page.url}: page error {exc}"))
    return page, problems


@pytest.fixture
def portal_data(api, tenant, admin_user):
    tenant.frame_ancestors = ["https://acme.daktela.com"]
    tenant.save()
    api.post("/api/v1/call-events/", call_events("1WS.500"), format="json")
    make_contact(tenant, "+420773794804", first_name="Jiri", last_name="Havicek")
    make_rule(tenant, "bnum", bnum="+420226211245", target="+420800100100", name="VIP line")
    make_rule(tenant, "owner", name="Owner rule")
    globex = make_tenant("globex", name="Globex")
    Membership.objects.create(user=admin_user, tenant=globex, role=Role.ADMIN)
    return {
        "call": Call.objects.get(tenant=tenant, call_id="1WS.500"),
        "widget_token": sign_token(make_widget_token(tenant)),
    }


def test_main_pages_raise_no_csp_violation(watched, admin_user, portal_data):
    page, problems = watched
    login(page, admin_user.email)
    call = portal_data["call"]
    pages = [
        "/",
        "/integrations/",
        "/calls/",
        f"/calls/{call.pk}/",
        "/calls/dashboard/",
        "/contacts/",
        "/contacts/field-mappings/",
        "/contacts/user-mappings/",
        "/automations/",
        "/realtime/",
        "/realtime/screen-pop/",
        "/realtime/widget/",
        "/settings/",
        "/api-keys/",
        f"/widget/activity/?clid=%2B420773794804&direction=in&token={portal_data['widget_token']}",
    ]
    for path in pages:
        response = page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")
    # Swagger UI: its bundle, its (nonced) init script and styles, the schema fetch.
    page.goto("/api/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.locator(".swagger-ui .opblock").count() > 20
    page.wait_for_load_state("networkidle")
    assert problems == []


def test_an_inline_script_would_be_reported(watched, admin_user, portal_data):
    """The detector works: a script injected without the nonce is refused and reported."""
    page, problems = watched
    login(page, admin_user.email)
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.__ran = true"; document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran === undefined")
    assert any("script-src" in p for p in problems), problems


def test_scripted_parts_still_work(watched, admin_user, portal_data, tenant):
    page, problems = watched
    login(page, admin_user.email)

    # htmx: the routing tester posts and swaps the decision in.
    page.goto("/realtime/")
    page.fill("#routing-tester input[name=anum]", "+420773794804")
    page.fill("#routing-tester input[name=bnum]", "+420226211245")
    page.locator("#routing-tester button").click()
    page.locator("#routing-result .alert").wait_for()
    assert "+420800100100" in page.locator("#routing-result").inner_text()
    # portal.js: the routing form shows only the inputs of the chosen kind.
    assert not page.locator("form[data-routing-form] input[name=target]").is_visible()
    page.select_option("form[data-routing-form] select[name=kind]", "bnum")
    assert page.locator("form[data-routing-form] input[name=target]").is_visible()

    # data-confirm: dismissing keeps the rule, accepting deletes it.
    delete = page.locator("form[data-confirm] button", has_text="Delete").first
    page.once("dialog", lambda d: d.dismiss())
    delete.click()
    page.wait_for_timeout(300)
    assert RoutingRule.objects.filter(tenant=tenant).count() == 2
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        delete.click()
    assert RoutingRule.objects.filter(tenant=tenant).count() == 1

    # data-copy + data-select-on-focus on a new widget URL.
    page.goto("/realtime/widget/")
    page.fill("input[name=name]", "Queue widget")
    page.get_by_role("button", name="Create widget URL").click()
    page.wait_for_load_state("networkidle")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    copy = page.locator("button[data-copy]").first
    copy.click()
    # The clipboard write is a promise: wait for the label to change, then say what it became.
    page.wait_for_function("b => b.textContent !== 'Copy'", arg=copy.element_handle(), timeout=5000)
    assert copy.inner_text() == "Copied"

    # data-autosubmit: the tenant switcher changes tenant on select.
    page.goto("/")
    with page.expect_navigation():
        page.select_option("select[name=tenant]", label="Globex")
    assert "Globex" in page.locator("h1").inner_text()
    assert problems == [], json.dumps(problems, indent=1)
