"""Configure-side pieces: the form, the guide, the demo account and the simulator registry."""

from django.template.loader import render_to_string
from django.test import RequestFactory

from connectors.models import ConnectorAccount
from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.forms import SalesforceForm
from simulators import registry
from simulators.salesforce import SalesforceSimulator

VALID = {
    "instance_url": "https://acme.my.salesforce.com",
    "username": "api@acme.com",
    "password": "pw",
    "security_token": "tok",
    "client_id": "3MVG9",
    "client_secret": "shh",
}


def test_form_keeps_the_seed_fields_and_validates_external_id_names():
    form = SalesforceForm(data={**VALID, "task_external_id_field": "My_Key__c"})
    assert form.is_valid(), form.errors
    settings, credentials = form.split()
    assert settings["task_external_id_field"] == "My_Key__c"
    assert settings["case_external_id_field"] == ""  # blank = the default CC_Ticket_Key__c
    assert set(credentials) == {"password", "security_token", "client_secret"}
    bad = SalesforceForm(data={**VALID, "case_external_id_field": "x' OR Id != null"})
    assert not bad.is_valid() and "case_external_id_field" in bad.errors


def test_guide_renders_the_steps_and_this_portals_callback_url():
    request = RequestFactory().get("/")
    html = render_to_string("connectors/guides/salesforce.html", {"request": request})
    assert "Reset My Security Token" in html and "CC_Call_Key__c" in html
    assert "<code>http://testserver/integrations/oauth/callback/</code>" in html
    assert "Authorize in Salesforce" in html


def test_seed_demo_creates_an_account_that_authorizes(tenant, sf_sim):
    account = SalesforceSimulator.seed_demo(tenant, sf_sim.url)
    again = SalesforceSimulator.seed_demo(tenant, sf_sim.url)
    assert again.pk == account.pk
    assert ConnectorAccount.objects.filter(tenant=tenant, kind="salesforce").count() == 1
    info = SalesforceConnector(account).authorize()
    assert info["user"] == SalesforceSimulator.USERNAME


def test_simulator_is_registered_for_run_simulators():
    cls, _offset = registry.available()["salesforce"]
    assert cls is SalesforceSimulator
