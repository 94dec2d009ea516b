"""The widget at its real width inside Daktela (420 px), in Chromium: every column readable (no
cell cut off, no sideways scrolling), and the Create in <CRM> button end to end."""

import pytest

from connectors.salesforce.connector import SalesforceConnector
from realtime.widget import sign_token
from tests.conftest import screenshot
from tests.factories import make_connector
from tests.realtime.helpers import make_contact, make_widget_token
from tests.realtime.identity import FakeCreate, authorized, creating_provider, policy

pytestmark = pytest.mark.browser
WIDTH = 420
CALLER = "+420773794804"

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const bad = [];
  for (const el of document.querySelectorAll('#contacts th, #contacts td, .btn')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 0.5 || el.scrollWidth > el.clientWidth + 1)
      bad.push(el.tagName + ': ' + el.textContent.trim().slice(0, 40));
  }
  return {scroll: document.documentElement.scrollWidth, width, bad};
}"""


def open_widget(page, live_server, tenant, clid=CALLER):
    page.set_viewport_size({"width": WIDTH, "height": 700})
    token = sign_token(make_widget_token(tenant))
    page.goto(
        f"{live_server.url}/widget/activity/?clid={clid}&direction=in&callid=1WS.1&token={token}"
    )


def test_widget_columns_fit_420_px(page, live_server, tenant):
    crm = make_connector(tenant, kind="salesforce", name="Salesforce Production Europe")
    policy(crm, objects_order=["contact", "lead", "account"], live_lookup=False)
    make_contact(
        tenant,
        CALLER,
        "+420 226 211 245",
        connector=crm,
        first_name="Maximilián",
        last_name="Havíček-Novotný",
        email="maximilian.havicek-novotny@very-long-company-name.example",
    )
    make_contact(
        tenant, "773 794 804", connector=crm, type="lead", first_name="Jiri", last_name="Lead"
    )
    make_contact(
        tenant,
        CALLER,
        connector=crm,
        type="account",
        first_name="",
        last_name="Pražské pekárny a.s.",
    )
    open_widget(page, live_server, tenant)
    rows = page.locator("#contacts tbody tr")
    assert rows.count() == 3
    assert page.locator("#contacts th").all_inner_texts()[:4] == ["NAME", "PHONE", "TYPE", "CRM"]
    assert {t.strip() for t in page.locator("#contacts td.type").all_inner_texts()} == {
        "Contact",
        "Lead",
        "Account",
    }
    assert "Salesforce Production Europe" in page.locator("#contacts td.crm").first.inner_text()
    result = page.evaluate(OVERFLOW)
    screenshot(page, "widget-420px")
    assert result["scroll"] <= WIDTH and result["bad"] == [], result
    for link in page.locator("#contacts td.open a").all():
        assert link.is_visible()


def test_create_button_in_the_browser(page, live_server, tenant, monkeypatch):
    creating_provider(monkeypatch)
    fake = FakeCreate()
    monkeypatch.setattr(SalesforceConnector, "create_record", lambda self, r: fake(self, r))
    crm = authorized(make_connector(tenant, kind="salesforce", name="Sales org"))
    policy(crm, objects_order=["contact", "lead"], unknown_caller="create_lead", live_lookup=False)
    open_widget(page, live_server, tenant, clid="+420603000111")
    page.get_by_role("button", name="Create lead in Sales org").click()
    page.locator("#widget-notice").wait_for()
    assert "Created the lead in Sales org" in page.locator("#widget-notice").inner_text()
    assert page.locator("#contacts td.type").inner_text().strip() == "Lead"
    assert page.evaluate(OVERFLOW)["bad"] == []
    page.reload()  # a re-POST: found, not created again
    assert len(fake.calls) == 1
