"""The widget inside a contact center's iframe, and the Real-time pages, in Chromium."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from realtime.widget import sign_token
from tests.conftest import login, screenshot
from tests.realtime.helpers import (
    connector_for,
    make_contact,
    make_mapping,
    make_pop_rule,
    make_rule,
    make_widget_token,
)

pytestmark = pytest.mark.browser


class AgentDesk:
    """The contact center's agent page: a real loopback HTTP server on another origin than the
    portal (live_server is http://localhost:PORT), framing the widget. A real server, not
    page.route: Chromium's local-network-access checks block a fulfilled (address-less) page
    from framing a loopback one."""

    def __init__(self):
        self.html = {}
        pages = self.html

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = pages.get(self.path, "not found").encode()
                self.send_response(200 if self.path in pages else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def open(self, page, widget_src: str, path="/agent.html"):
        self.html[path] = (
            "<!doctype html><title>Agent desk</title><h1>Call from 773 794 804</h1>"
            f'<iframe id="crm" src="{widget_src}" '
            'style="width:900px;height:260px;border:1px solid #999"></iframe>'
        )
        page.goto(self.origin + path)


@pytest.fixture
def desk():
    server = AgentDesk()
    yield server
    server.server.shutdown()


def widget_src(live_server, tenant, clid="+420773794804"):
    token = sign_token(make_widget_token(tenant))
    return f"{live_server.url}/widget/activity/?clid={clid}&direction=in&callid=1WS.58184&activity=a1&token={token}"


def test_widget_renders_inside_an_allowed_iframe(page, live_server, tenant, desk):
    tenant.frame_ancestors = [desk.origin]
    tenant.save()
    make_contact(
        tenant, "+420773794804", first_name="Jiri", last_name="Havicek", email="jiri@daktela.com"
    )
    make_contact(
        tenant, "773 794 804", first_name="Jiri", last_name="Havicek", email="jiri@zscout.eu"
    )
    desk.open(page, widget_src(live_server, tenant))
    frame = page.frame_locator("#crm")
    rows = frame.locator("#contacts tbody tr")
    rows.first.wait_for()
    assert rows.count() == 2
    assert "jiri@zscout.eu" in rows.nth(1).inner_text()
    assert frame.get_by_role("link", name="Open").first.get_attribute("target") == "_blank"
    screenshot(page, "realtime-widget-in-iframe")


def test_widget_no_contact_in_iframe(page, live_server, tenant, desk):
    tenant.frame_ancestors = [desk.origin]
    tenant.save()
    connector_for(tenant)  # a Salesforce org to create the contact in
    desk.open(page, widget_src(live_server, tenant, clid="+420999000111"))
    frame = page.frame_locator("#crm")
    frame.get_by_text("No contact found").wait_for()
    assert "New contact form in" in frame.locator("#no-contact").inner_text()
    screenshot(page, "realtime-widget-no-contact")


def test_browser_refuses_to_frame_for_an_origin_not_allowed(page, live_server, tenant, desk):
    tenant.frame_ancestors = ["http://127.0.0.1:9"]  # not the desk's port
    tenant.save()
    make_contact(tenant, "+420773794804", first_name="Jiri", last_name="Havicek")
    desk.open(page, widget_src(live_server, tenant))
    page.wait_for_timeout(1500)
    assert page.frame_locator("#crm").locator("#contacts").count() == 0


def test_realtime_pages(page, live_server, tenant, admin_user):
    make_contact(tenant, "+420602123456", owner="005OWNER", fields={"segment": "VIP"})
    make_mapping(tenant, "005OWNER", "+420777111222")
    make_rule(
        tenant, "field_value", name="VIP desk", field="segment", value="VIP", target="+420800100100"
    )
    make_rule(tenant, "bnum", name="Support queue", bnum="+420226211245", target="+420800200200")
    make_rule(tenant, "owner", name="Contact owner")
    make_pop_rule(
        tenant, "01", "direction=inbound&&dnis=Support=>https://crm.example.com/support?id={crm_id}"
    )
    make_pop_rule(
        tenant, "02", "direction=inbound&&lookupCount=0=>https://crm.example.com/new?phone={phone}"
    )
    make_pop_rule(tenant, "10", "direction=inbound&&fromParty.Key=contact=>default")
    login(page, admin_user.email)
    page.goto("/realtime/")
    assert not page.locator("form[data-routing-form] input[name=target]").is_visible()  # owner kind
    page.select_option("select[name=kind]", "field_value")
    assert page.locator("form[data-routing-form] input[name=target]").is_visible()
    page.fill("#routing-tester input[name=anum]", "602 123 456")
    page.fill("#routing-tester input[name=bnum]", "+420226211245")
    page.get_by_role("button", name="Test").click()
    page.locator("#routing-result .alert").wait_for()
    assert "would go to +420800100100 (rule 1" in page.locator("#routing-result").inner_text()
    screenshot(page, "realtime-routing")
    page.get_by_role("link", name="Screen pop").click()
    page.fill("input[name=phone]", "+420602123456")
    page.fill("input[name=caller_name]", "D:Support:0602123456")
    page.get_by_role("button", name="Test").click()
    page.locator("#screen-pop-result").wait_for()
    assert "Support" in page.locator("#screen-pop-result").inner_text()
    screenshot(page, "realtime-screen-pop")
    page.get_by_role("link", name="Widget", exact=True).click()
    page.fill("input[name=name]", "Daktela support queue")
    page.get_by_role("button", name="Create widget URL").click()
    page.wait_for_load_state("networkidle")
    assert "token=" in page.locator("input[readonly]").first.input_value()
    screenshot(page, "realtime-widget-setup")


def test_expired_token_page_is_clear_inside_the_frame(page, live_server, tenant, desk):
    from datetime import timedelta

    from django.utils import timezone

    tenant.frame_ancestors = [desk.origin]
    tenant.save()
    row = make_widget_token(tenant, expires_at=timezone.now() - timedelta(minutes=1))
    desk.open(page, f"{live_server.url}/widget/activity/?clid=1&token={sign_token(row)}")
    page.frame_locator("#crm").get_by_text("This widget link has expired").wait_for()
    screenshot(page, "realtime-widget-expired")


def test_viewer_reads_rules_without_edit_controls(page, live_server, tenant, viewer_user):
    make_rule(tenant, "owner", name="Contact owner")
    login(page, viewer_user.email)
    page.goto("/realtime/")
    assert page.get_by_role("cell", name="Contact owner", exact=True).is_visible()
    assert page.get_by_role("button", name="Add rule").count() == 0
    assert page.get_by_role("link", name="Edit").count() == 0
    screenshot(page, "realtime-routing-viewer")
